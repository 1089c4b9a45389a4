import { InvalidArgumentError } from '@netsynth/core';

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

/** Values sorted ascending with their weights normalised to sum 1 (null when they sum to 0). */
function normalisedPoints(values: readonly number[], weights: readonly number[]): { x: number[]; w: number[] } | null {
  if (values.length !== weights.length) throw new InvalidArgumentError(`weighted EMD: ${values.length} values but ${weights.length} weights`);
  const order = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return null;
  return { x: order.map((i) => values[i] as number), w: order.map((i) => (weights[i] as number) / total) };
}

/**
 * Exact 1-D earth mover's distance between two weighted empirical distributions: the integral
 * of |F_a − F_b|, each F the cumulative normalised weight (with unit weights, evalkit's
 * wasserstein1). Null when a side is empty or weighs nothing.
 */
export function weightedWasserstein1(a: readonly number[], aw: readonly number[], b: readonly number[], bw: readonly number[]): number | null {
  const pa = normalisedPoints(a, aw);
  const pb = normalisedPoints(b, bw);
  if (!pa || !pb || pa.x.length === 0 || pb.x.length === 0) return null;
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let total = 0;
  let prev = Math.min(pa.x[0] as number, pb.x[0] as number);
  while (i < pa.x.length || j < pb.x.length) {
    const x = Math.min(pa.x[i] ?? Infinity, pb.x[j] ?? Infinity);
    total += Math.abs(fa - fb) * (x - prev);
    for (; i < pa.x.length && pa.x[i] === x; i++) fa += pa.w[i] as number;
    for (; j < pb.x.length && pb.x[j] === x; j++) fb += pb.w[j] as number;
    prev = x;
  }
  return total;
}

/** The weighted empirical CDF at most `maxPoints` points (the plots' view of weightedWasserstein1's F). */
export function weightedEcdfPoints(values: readonly number[], weights: readonly number[], maxPoints = 200): { x: number[]; y: number[] } {
  const p = normalisedPoints(values, weights);
  const x: number[] = [];
  const y: number[] = [];
  if (!p || p.x.length === 0) return { x, y };
  const step = Math.max(1, Math.ceil(p.x.length / maxPoints));
  let cumulative = 0;
  p.x.forEach((v, i) => {
    cumulative += p.w[i] as number;
    // The last copy of a tied value (y is the true F(x)), every step-th point and the last.
    const last = i === p.x.length - 1;
    if (last || (p.x[i + 1] !== v && i % step === 0)) {
      x.push(v);
      y.push(last ? 1 : cumulative);
    }
  });
  return { x, y };
}
