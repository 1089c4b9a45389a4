import { InvalidArgumentError } from '@netsynth/core';

/**
 * A sample sorted ascending with its empirical CDF: `share(k)` is the weight of the first k sorted
 * values over the whole sample's. Why one shape: the unweighted statistics (share k/n) and the
 * weighted ones (cumulative weight over the total) are the same sweep over it.
 */
export interface SortedSample {
  readonly x: ArrayLike<number>;
  readonly share: (k: number) => number;
}

/** Unit weights: share k/n. */
export function unitSample(sorted: ArrayLike<number>): SortedSample {
  const n = sorted.length;
  return { x: sorted, share: (k) => k / n };
}

/**
 * `values` sorted ascending with their `weights`; each share is the cumulative raw weight over
 * the total, so unit weights give exactly k/n (the unweighted figures). Null when the weights sum
 * to 0 (or the sample is empty).
 */
export function weightedSample(values: readonly number[], weights: readonly number[], what: string): SortedSample | null {
  if (values.length !== weights.length) throw new InvalidArgumentError(`${what}: ${values.length} values but ${weights.length} weights`);
  weights.forEach((w, i) => {
    if (!(w >= 0 && Number.isFinite(w))) throw new InvalidArgumentError(`${what}: weight ${i} is ${w}, not a finite weight ≥ 0`);
  });
  const order = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const cumulative = new Float64Array(values.length + 1);
  order.forEach((i, k) => (cumulative[k + 1] = (cumulative[k] as number) + (weights[i] as number)));
  const total = cumulative[values.length] as number;
  if (!(total > 0)) return null;
  return { x: order.map((i) => values[i] as number), share: (k) => (cumulative[k] as number) / total };
}
