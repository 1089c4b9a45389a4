/**
 * Weights that give each class of the other side the share of values it has on the real side:
 * real share over other share, per class (0 for a class the real side lacks). Why: an overall
 * trace series mixes the classes' own values (a flow's gap since the previous start, the flows
 * open when it starts, its duration), and how many values each class brings is the class mix:
 * the capture's on the real side, the generator's (generator.samplesPerLabel, e.g. the same
 * count for every class) on the synthetic side. Unweighted, a balanced synthetic set compared
 * with a capture dominated by one class measures that choice, not the arrival process: the
 * sparse classes' long gaps weigh as much as the busy class's short ones. Weighted, the other
 * side is read at the real class mix, as a label-shift correction does; the values themselves
 * (where each flow sits among the flows of every class) are untouched, so flows laid end to end
 * or classes piled onto each other still show. Null when the sides share no class.
 */
export function classMixWeights(realLabels: readonly string[], otherLabels: readonly string[]): number[] | null {
  const count = (labels: readonly string[]): Map<string, number> => {
    const out = new Map<string, number>();
    for (const l of labels) out.set(l, (out.get(l) ?? 0) + 1);
    return out;
  };
  const real = count(realLabels);
  const other = count(otherLabels);
  let shared = 0;
  for (const label of other.keys()) if (real.has(label)) shared++;
  if (shared === 0) return null;
  const weight = new Map<string, number>();
  for (const [label, n] of other) weight.set(label, (real.get(label) ?? 0) / realLabels.length / (n / otherLabels.length));
  return otherLabels.map((l) => weight.get(l) as number);
}

/** Mean of `values` with `weights` (null when the weights sum to 0). */
export function weightedMean(values: readonly number[], weights: readonly number[]): number | null {
  let sum = 0;
  let total = 0;
  values.forEach((v, i) => {
    sum += v * (weights[i] as number);
    total += weights[i] as number;
  });
  return total > 0 ? sum / total : null;
}
