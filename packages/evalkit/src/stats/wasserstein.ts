import { InvalidArgumentError } from '@netsynth/core';
import { type SortedSample, unitSample, weightedSample } from './sorted-sample.js';

function assertFinite(values: ArrayLike<number>, side: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) throw new InvalidArgumentError(`Wasserstein-1: ${side} sample has a non-finite value at ${i}`);
  }
}

function sortedFinite(values: ArrayLike<number>, side: string): Float64Array {
  assertFinite(values, side);
  return Float64Array.from(values as ArrayLike<number>).sort();
}

/** Exact 1-D Wasserstein-1 between two sorted samples: sweeps the merged values integrating |F_a − F_b|. */
function sweep(a: SortedSample, b: SortedSample): number {
  const na = a.x.length;
  const nb = b.x.length;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a.x[0] as number, b.x[0] as number);
  while (i < na || j < nb) {
    const va = i < na ? (a.x[i] as number) : Infinity;
    const vb = j < nb ? (b.x[j] as number) : Infinity;
    const x = Math.min(va, vb);
    // Between prev and x both CDFs are constant: F_a = share of the first i, F_b of the first j.
    total += Math.abs(a.share(i) - b.share(j)) * (x - prev);
    while (i < na && (a.x[i] as number) === x) i++;
    while (j < nb && (b.x[j] as number) === x) j++;
    prev = x;
  }
  return total;
}

/**
 * Exact 1-D Wasserstein-1 (earth mover's) distance between two empirical distributions:
 * the integral of |F_a(x) − F_b(x)| over x, computed by sweeping the merged sorted samples
 * (the same figure as SciPy's `wasserstein_distance` for unweighted samples).
 * Returns null when either sample is empty.
 */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length === 0 || b.length === 0) return null;
  return sweep(unitSample(sortedFinite(a, 'first')), unitSample(sortedFinite(b, 'second')));
}

/**
 * wasserstein1 between two weighted empirical distributions, each F the cumulative weight over
 * the side's total (SciPy's `wasserstein_distance` with u_weights/v_weights); unit weights give
 * wasserstein1's figure exactly. Null when a side is empty or weighs nothing.
 */
export function weightedWasserstein1(a: readonly number[], aWeights: readonly number[], b: readonly number[], bWeights: readonly number[]): number | null {
  assertFinite(a, 'first');
  assertFinite(b, 'second');
  const sa = weightedSample(a, aWeights, 'weighted Wasserstein-1 (first)');
  const sb = weightedSample(b, bWeights, 'weighted Wasserstein-1 (second)');
  return sa && sb ? sweep(sa, sb) : null;
}

/**
 * W1 on a unit scale: W1 divided by the range (max − min) of the reference (real) sample,
 * i.e. W1 after min-max scaling both samples with the real data's bounds. 0 when identical;
 * a pure shift by the whole real range gives 1. Null when either side is empty; when the
 * reference range is 0 the raw W1 is divided by max(|reference value|, 1) instead.
 */
export function normalisedWasserstein1(reference: ArrayLike<number>, other: ArrayLike<number>): number | null {
  const w = wasserstein1(reference, other);
  if (w === null) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < reference.length; i++) {
    const v = reference[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  return w / (range > 0 ? range : Math.max(Math.abs(lo), 1));
}

/**
 * NetShare's plotting normalisation: the EMDs of one field across several compared models
 * mapped linearly to [0.1, 0.9] (all equal → 0.5). Only meaningful across models.
 */
export function normaliseAcrossModels(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi === lo) return values.map(() => 0.5);
  return values.map((v) => 0.1 + (0.8 * (v - lo)) / (hi - lo));
}
