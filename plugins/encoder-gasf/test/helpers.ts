import { createRng, type Rng } from '@netsynth/core';

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

/** A packet-ish flow: `packets` points of sizes in [40, 1500] and ±1 directions, then zero padding. */
export function syntheticFlow(seed: number, length: number, packets: number): { size: Float64Array; direction: Float64Array; iat: Float64Array } {
  const rng = createRng(seed);
  const size = new Float64Array(length);
  const direction = new Float64Array(length);
  const iat = new Float64Array(length);
  for (let i = 0; i < Math.min(packets, length); i++) {
    size[i] = 40 + rng.int(1461);
    direction[i] = rng.next() < 0.4 ? 1 : -1;
    iat[i] = i === 0 ? 0 : Math.exp(Math.log(1e-4) + Math.log(2e4) * rng.next());
  }
  return { size, direction, iat };
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
