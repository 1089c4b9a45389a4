/**
 * Noise schedules in double precision: β_t, ᾱ_t = Π(1 − β_s), and what the samplers derive
 * from them. Index t runs 0..T−1 (t = 0 is the least noisy step), as in the DDPM code.
 */
import { InvalidArgumentError } from '@netsynth/core';

export type ScheduleKind = 'linear' | 'cosine';

export interface NoiseSchedule {
  kind: ScheduleKind;
  timesteps: number;
  betas: Float64Array;
  alphasCumprod: Float64Array;
}

/**
 * `linear`: β from 1e-4 to 0.02 over 1000 steps (Ho et al.), rescaled by 1000/T for other T
 * so the total noise stays comparable. `cosine`: ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T)+s)/(1+s)·π/2),
 * s = 0.008, β clipped to 0.999 (Nichol & Dhariwal).
 */
export function makeSchedule(kind: ScheduleKind, timesteps: number): NoiseSchedule {
  if (!Number.isInteger(timesteps) || timesteps < 2) throw new InvalidArgumentError(`timesteps must be an integer ≥ 2, got ${timesteps}`);
  const T = timesteps;
  const betas = new Float64Array(T);
  if (kind === 'linear') {
    const scale = 1000 / T;
    const b0 = scale * 1e-4;
    const b1 = Math.min(scale * 0.02, 0.999);
    for (let i = 0; i < T; i++) betas[i] = b0 + ((b1 - b0) * i) / (T - 1);
  } else {
    const s = 0.008;
    const f = (t: number): number => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
    for (let i = 0; i < T; i++) betas[i] = Math.min(1 - f(i + 1) / f(i), 0.999);
  }
  const alphasCumprod = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    prod *= 1 - (betas[i] as number);
    alphasCumprod[i] = prod;
  }
  return { kind, timesteps: T, betas, alphasCumprod };
}

/** ᾱ at index t, with ᾱ(−1) = 1 (the clean image). */
export function alphaBar(s: NoiseSchedule, t: number): number {
  return t < 0 ? 1 : (s.alphasCumprod[t] as number);
}

/**
 * Evenly spaced sampling timesteps, high to low, "trailing" spacing (Lin et al. 2024): the
 * first step is always T−1, so a few-step sampler starts from pure noise.
 */
export function samplingTimesteps(T: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new InvalidArgumentError(`sampling steps must be an integer in 1..${T}, got ${steps}`);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push(Math.round(T - (i * T) / steps) - 1);
  return out;
}
