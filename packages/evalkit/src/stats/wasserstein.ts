import { InvalidArgumentError } from '@netsynth/core';

function sortedFinite(values: ArrayLike<number>, side: string): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i] as number)) throw new InvalidArgumentError(`Wasserstein-1: ${side} sample has a non-finite value at ${i}`);
  }
  return out.sort();
}

/**
 * Exact 1-D Wasserstein-1 (earth mover's) distance between two empirical distributions:
 * the integral of |F_a(x) − F_b(x)| over x, computed by sweeping the merged sorted samples
 * (the same figure as SciPy's `wasserstein_distance` for unweighted samples).
 * Returns null when either sample is empty.
 */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length === 0 || b.length === 0) return null;
  const xa = sortedFinite(a, 'first');
  const xb = sortedFinite(b, 'second');
  const na = xa.length;
  const nb = xb.length;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(xa[0] as number, xb[0] as number);
  while (i < na || j < nb) {
    const va = i < na ? (xa[i] as number) : Infinity;
    const vb = j < nb ? (xb[j] as number) : Infinity;
    const x = Math.min(va, vb);
    // Between prev and x both CDFs are constant: F_a = i/na, F_b = j/nb.
    total += Math.abs(i / na - j / nb) * (x - prev);
    while (i < na && (xa[i] as number) === x) i++;
    while (j < nb && (xb[j] as number) === x) j++;
    prev = x;
  }
  return total;
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
