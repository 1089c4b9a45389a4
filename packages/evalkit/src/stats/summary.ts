import { type SortedSample, unitSample, weightedSample } from './sorted-sample.js';

/** Quantile by linear interpolation between order statistics (NumPy's default, type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return (sorted[lo] as number) * (1 - frac) + (sorted[hi] as number) * frac;
}

export function quantile(values: ArrayLike<number>, q: number): number | null {
  return quantileSorted(Float64Array.from(values as ArrayLike<number>).sort(), q);
}

export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s / values.length;
}

export function standardDeviation(values: ArrayLike<number>): number | null {
  const m = mean(values);
  if (m === null) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += ((values[i] as number) - m) ** 2;
  return Math.sqrt(s / values.length);
}

/** At most `maxPoints` points of a sorted sample's CDF, evenly spaced in rank, the minimum and the maximum included. */
function cdfPoints(sample: SortedSample, maxPoints: number): { x: number[]; y: number[] } {
  const sorted = sample.x;
  const n = sorted.length;
  const x: number[] = [];
  const y: number[] = [];
  if (n === 0) return { x, y };
  const steps = Math.max(2, Math.min(maxPoints, n));
  let lastIndex = -1;
  for (let s = 0; s < steps; s++) {
    let idx = Math.round((s * (n - 1)) / (steps - 1));
    // Advance to the last copy of a tied value so y is the true F(x).
    while (idx + 1 < n && sorted[idx + 1] === sorted[idx]) idx++;
    if (idx === lastIndex) continue;
    lastIndex = idx;
    x.push(sorted[idx] as number);
    y.push(sample.share(idx + 1));
  }
  return { x, y };
}

/**
 * Points of the empirical CDF for plotting, at most `maxPoints` of them (evenly spaced in
 * rank), always including the minimum and the maximum. y is the share of values ≤ x.
 */
export function ecdfPoints(values: ArrayLike<number>, maxPoints = 200): { x: number[]; y: number[] } {
  return cdfPoints(unitSample(Float64Array.from(values as ArrayLike<number>).sort()), maxPoints);
}

/**
 * ecdfPoints of a weighted sample (the plots' view of weightedWasserstein1's F): y is the
 * weight of the values ≤ x over the total; unit weights give ecdfPoints exactly. No points when
 * the weights sum to 0.
 */
export function weightedEcdfPoints(values: readonly number[], weights: readonly number[], maxPoints = 200): { x: number[]; y: number[] } {
  return cdfPoints(weightedSample(values, weights, 'weighted CDF') ?? unitSample([]), maxPoints);
}

/** Average ranks (ties share the mean of their positions), 1-based. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(values.length).fill(0);
  let k = 0;
  while (k < order.length) {
    let e = k;
    while (e + 1 < order.length && (order[e + 1] as readonly [number, number])[0] === (order[k] as readonly [number, number])[0]) e++;
    const r = (k + e) / 2 + 1;
    for (let t = k; t <= e; t++) out[(order[t] as readonly [number, number])[1]] = r;
    k = e + 1;
  }
  return out;
}

/** Pearson correlation; null when fewer than 2 points or a side is constant. */
export function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n < 2) return null;
  const ma = mean(a.slice(0, n)) as number;
  const mb = mean(b.slice(0, n)) as number;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return sab / Math.sqrt(saa * sbb);
}

/** Spearman rank correlation (Pearson on average ranks, so ties are handled). */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  return pearson(ranks(a.slice(0, n)), ranks(b.slice(0, n)));
}
