/**
 * DP-SGD's Gaussian noise. The guarantee holds only if nobody can regenerate the noise, so by
 * default it comes from the OS's cryptographic generator with 53-bit uniforms (a seeded
 * 32-bit stream could be searched exhaustively); a seed is for reproducible experiments.
 */
import { randomBytes } from 'node:crypto';
import { createRng, deriveSeed } from '@netsynth/core';

/** Uniforms in (0, 1) with 53 random bits each, from `bytes` (8 per value). */
function uniformsFrom(bytes: Buffer, count: number): Float64Array {
  const u = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const hi = bytes.readUInt32LE(8 * i) >>> 5; // 27 bits
    const lo = bytes.readUInt32LE(8 * i + 4) >>> 6; // 26 bits
    u[i] = (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }
  return u;
}

/** `size` independent N(0, 1) values: Box–Muller on cryptographic uniforms, or a seeded stream for (seed, step). */
export function gaussianNoise(size: number, seeded?: { seed: number; step: number }): Float64Array {
  const out = new Float64Array(size);
  if (seeded) {
    const rng = createRng(deriveSeed(seeded.seed, `dp-noise:${seeded.step}`));
    for (let j = 0; j < size; j++) out[j] = rng.normal();
    return out;
  }
  const pairs = Math.ceil(size / 2);
  const u = uniformsFrom(randomBytes(16 * pairs), 2 * pairs);
  for (let k = 0; k < pairs; k++) {
    const r = Math.sqrt(-2 * Math.log(u[2 * k] as number));
    const a = 2 * Math.PI * (u[2 * k + 1] as number);
    out[2 * k] = r * Math.cos(a);
    if (2 * k + 1 < size) out[2 * k + 1] = r * Math.sin(a);
  }
  return out;
}
