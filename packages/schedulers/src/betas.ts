/**
 * β_t and ᾱ_t = Π(1 − β_s) in double precision, t = 0..T−1 (t = 0 the least noisy step).
 * The formulas are written in the exact operation order the generators used before this
 * package, because the project promises the same bytes for the same config and seed.
 */
import { InvalidArgumentError } from '@netsynth/core';
import type { SchedulerConfig } from './config.js';

export function betasFor(c: SchedulerConfig): Float64Array {
  const T = c.num_train_timesteps;
  if (!Number.isInteger(T) || T < 1) throw new InvalidArgumentError(`num_train_timesteps must be a positive integer, got ${T}`);
  const betas = new Float64Array(T);
  switch (c.beta_schedule) {
    case 'linear':
      for (let i = 0; i < T; i++) betas[i] = T === 1 ? c.beta_start : c.beta_start + ((c.beta_end - c.beta_start) * i) / (T - 1);
      break;
    case 'scaled_linear': {
      const a = Math.sqrt(c.beta_start);
      const b = Math.sqrt(c.beta_end);
      for (let i = 0; i < T; i++) betas[i] = (a + (T === 1 ? 0 : i / (T - 1)) * (b - a)) ** 2;
      break;
    }
    case 'squaredcos_cap_v2': {
      // ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T)+s)/(1+s)·π/2), s = 0.008, β capped at 0.999 (Nichol & Dhariwal).
      const s = 0.008;
      const f = (t: number): number => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
      for (let i = 0; i < T; i++) betas[i] = Math.min(1 - f(i + 1) / f(i), 0.999);
      break;
    }
  }
  return betas;
}

export function cumprod(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= 1 - (betas[i] as number);
    out[i] = acc;
  }
  return out;
}

export function alphasCumprod(c: SchedulerConfig): Float64Array {
  return cumprod(betasFor(c));
}
