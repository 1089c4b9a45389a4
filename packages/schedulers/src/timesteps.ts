/** Which train timesteps a sampler evaluates, high to low. */
import { InvalidArgumentError } from '@netsynth/core';
import type { SchedulerConfig } from './config.js';

/** numpy's round: halves to even. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function checkSteps(T: number, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > T) throw new InvalidArgumentError(`sampling steps must be an integer in 1..${T}, got ${n}`);
}

/**
 * diffusers' `set_timesteps` lists by `timestep_spacing`; `extra` = 1 for DPM-Solver, which
 * spaces n+1 points and drops the last; `roundLinspace` false keeps Euler's fractional steps.
 */
export function spacedTimesteps(c: SchedulerConfig, n: number, extra = 0, roundLinspace = true): number[] {
  const T = c.num_train_timesteps;
  checkSteps(T, n);
  switch (c.timestep_spacing) {
    case 'leading': {
      const ratio = Math.floor(T / (n + extra));
      const ts = Array.from({ length: n + extra }, (_, i) => i * ratio + c.steps_offset).reverse();
      return ts.slice(0, n);
    }
    case 'linspace': {
      const m = n + extra;
      const ts = Array.from({ length: m }, (_, i) => (m === 1 ? 0 : (i * (T - 1)) / (m - 1)))
        .map((v) => (roundLinspace ? roundHalfEven(v) : v))
        .reverse();
      return ts.slice(0, n);
    }
    case 'trailing': {
      const ts: number[] = [];
      for (let k = 0; k < n; k++) ts.push(roundHalfEven(T - (k * T) / n) - 1);
      return ts;
    }
  }
}

/**
 * Evenly spaced from T−1 down to 0: round((T−1)·(1 − i/(n−1))). Starting at T−1 starts a
 * few-step sampler from pure noise; ending at 0 makes the final jump to the clean sample from
 * ᾱ₀ ≈ 1 (ending at a noisier step returns E[x₀ | x_t] there, which visibly shrinks the
 * sample variance with few steps). Used with a final step to ᾱ = 1 (see `discrete.ts`).
 */
export function endpointTimesteps(T: number, n: number): number[] {
  checkSteps(T, n);
  if (n === 1) return [T - 1];
  return Array.from({ length: n }, (_, i) => Math.round((T - 1) * (1 - i / (n - 1))));
}

/**
 * Timesteps uniform in λ = log(α/σ) (half log-SNR), from T−1 to 0, each mapped to the
 * discrete step of nearest λ (duplicates removed). DPM-Solver's recommended spacing for
 * high-order solvers: its step size h is constant, so the multistep extrapolation stays balanced.
 */
export function logSnrTimesteps(alphasCumprod: Float64Array, n: number): number[] {
  const T = alphasCumprod.length;
  checkSteps(T, n);
  if (n === 1) return [T - 1];
  const lam = Array.from(alphasCumprod, (ab) => 0.5 * Math.log(ab / (1 - ab)));
  const lo = lam[T - 1] as number;
  const hi = lam[0] as number;
  const out: number[] = [];
  let j = T - 1;
  for (let i = 0; i < n; i++) {
    const target = lo + ((hi - lo) * i) / (n - 1);
    while (j > 0 && Math.abs((lam[j - 1] as number) - target) <= Math.abs((lam[j] as number) - target)) j--;
    if (out[out.length - 1] !== j) out.push(j);
  }
  return out;
}
