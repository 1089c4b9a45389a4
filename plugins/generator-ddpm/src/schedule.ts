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
 * Evenly spaced sampling timesteps, high to low, "linspace" spacing (as diffusers' DPM-Solver):
 * round((T−1)·(1 − i/(n−1))). It starts at T−1, so a few-step sampler starts from pure noise,
 * and ends at 0, so the final jump to the clean image is from ᾱ₀ ≈ 1 (ending at a noisier step
 * returns E[x₀ | x_t] there, which visibly shrinks the sample variance with few steps).
 */
export function samplingTimesteps(T: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new InvalidArgumentError(`sampling steps must be an integer in 1..${T}, got ${steps}`);
  if (steps === 1) return [T - 1];
  return Array.from({ length: steps }, (_, i) => Math.round((T - 1) * (1 - i / (steps - 1))));
}

/**
 * Timesteps uniform in λ = log(α/σ) (half log-SNR), from T−1 to 0, each mapped to the
 * discrete step of nearest λ (duplicates removed). DPM-Solver's recommended spacing for
 * high-order solvers: its step size h is constant, so the multistep extrapolation stays balanced.
 */
export function logSnrTimesteps(s: NoiseSchedule, steps: number): number[] {
  const T = s.timesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new InvalidArgumentError(`sampling steps must be an integer in 1..${T}, got ${steps}`);
  if (steps === 1) return [T - 1];
  const lam = Array.from(s.alphasCumprod, (ab) => 0.5 * Math.log(ab / (1 - ab)));
  const lo = lam[T - 1] as number;
  const hi = lam[0] as number;
  const out: number[] = [];
  let j = T - 1;
  for (let i = 0; i < steps; i++) {
    const target = lo + ((hi - lo) * i) / (steps - 1);
    while (j > 0 && Math.abs((lam[j - 1] as number) - target) <= Math.abs((lam[j] as number) - target)) j--;
    if (out[out.length - 1] !== j) out.push(j);
  }
  return out;
}
