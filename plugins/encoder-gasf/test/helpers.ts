import { createRng, type Rng } from '@netsynth/core';
import { syntheticSeries, type SyntheticSeries } from '@netsynth/test-support';

/** Seeded uniform values in [lo, hi). */
export function uniform(rng: Rng, n: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Log-uniform values in [lo, hi): gaps spanning several decades. */
export function logUniform(rng: Rng, n: number, lo: number, hi: number): Float64Array {
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Float64Array.from({ length: n }, () => Math.exp(a + (b - a) * rng.next()));
}

/** A packet-ish flow (see syntheticSeries) from its own seed, gaps from 0.1 ms over four decades. */
export function syntheticFlow(seed: number, length: number, packets: number): SyntheticSeries {
  return syntheticSeries(createRng(seed), length, packets, 1e-4, 2e4);
}

/**
 * Largest relative error between recovered and expected values; expected zeros count
 * against `zeroScale` (an absolute error of zeroScale·1 is a relative error of 1).
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, zeroScale: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const err = Math.abs((actual[i] as number) - e) / (e === 0 ? zeroScale : Math.abs(e));
    if (!(err <= worst)) worst = err;
  }
  return worst;
}
