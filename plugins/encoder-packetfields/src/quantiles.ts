/**
 * A monotone piecewise-linear map between a field's real values and [-1, 1], through the
 * field's empirical quantiles (a quantile transform, as tabular diffusion models normalise
 * their inputs). Knot k holds the value at rank k/K of the training values, so every knot
 * interval carries the same share of the data: a point mass (e.g. the size of a bare ACK)
 * spans a run of equal knots and every generated value in that run decodes to it exactly,
 * while a spread field keeps its ranks spread. Between knots the map is linear both ways,
 * so encode ∘ decode is the identity on the knots' range (up to float rounding).
 */

/** K + 1 knot values, non-decreasing; knot k sits at -1 + 2k/K. */
export type QuantileKnots = number[];

/** Knots of a sample of values (unsorted; at least one value), at most `knots` + 1 of them. */
export function quantileKnots(values: readonly number[], knots: number): QuantileKnots {
  const sorted = Float64Array.from(values).sort();
  const k = Math.max(1, Math.min(knots, sorted.length - 1));
  return Array.from({ length: k + 1 }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / k)] as number);
}

const at = (k: number, K: number): number => -1 + (2 * k) / K;

/** First index whose knot is ≥ x (K + 1 when none). */
function lowerBound(q: QuantileKnots, x: number): number {
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((q[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A real value → [-1, 1]: the middle of its run of equal knots, else linear between its neighbours. */
export function toUnit(q: QuantileKnots, x: number): number {
  const K = q.length - 1;
  if (K === 0 || !Number.isFinite(x)) return 0;
  const lo = lowerBound(q, x);
  if (lo > K) return 1;
  if (q[lo] === x) {
    let hi = lo;
    while (hi < K && q[hi + 1] === x) hi++;
    return (at(lo, K) + at(hi, K)) / 2;
  }
  if (lo === 0) return -1;
  const a = q[lo - 1] as number;
  const b = q[lo] as number;
  return at(lo - 1, K) + ((x - a) / (b - a)) * (at(lo, K) - at(lo - 1, K));
}

/** [-1, 1] → a real value: linear within the knot interval the point falls in (clamped to the range). */
export function fromUnit(q: QuantileKnots, u: number): number {
  const K = q.length - 1;
  if (K === 0) return q[0] ?? 0;
  const t = ((Math.min(1, Math.max(-1, Number.isFinite(u) ? u : -1)) + 1) / 2) * K;
  const k = Math.min(K - 1, Math.floor(t));
  const a = q[k] as number;
  return a + (t - k) * ((q[k + 1] as number) - a);
}
