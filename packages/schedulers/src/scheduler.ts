/**
 * Schedulers with diffusers' semantics over a model's (already guided) ε prediction, as a state
 * machine: `setTimesteps(n)`, then per step `scaleModelInput` → model → `step`; `addNoise` for
 * img2img starts. Arrays are float32 (NCHW latents in the SD pipeline).
 * - DDIM (DDIMScheduler, η option), no input scaling;
 * - Euler ancestral (EulerAncestralDiscreteScheduler): σ(t) = sqrt((1−ᾱ)/ᾱ), inputs scaled by
 *   1/sqrt(σ²+1), noise re-injected with σ_up;
 * - DPM-Solver++ 2M (DPMSolverMultistepScheduler, algorithm_type dpmsolver++, order 2, final
 *   sigma zero, first and last steps first order).
 */
import { InvalidArgumentError } from '@netsynth/core';
import { alphasCumprod } from './betas.js';
import type { SchedulerConfig } from './config.js';
import type { SchedulerName } from './names.js';
import { spacedTimesteps } from './timesteps.js';

/** The schedulers of this state-machine form (DDPM's ancestral sampler is in `discrete.ts`). */
export type SchedulerKind = Exclude<SchedulerName, 'ddpm'>;

export interface Scheduler {
  readonly kind: SchedulerKind;
  /** Model timestep per step (length = steps). */
  readonly timesteps: readonly number[];
  /** Std of the initial noise (txt2img latents = noise × this). */
  readonly initNoiseSigma: number;
  /** Recomputes the timesteps for `steps` inference steps and clears the multistep state. */
  setTimesteps(steps: number): void;
  /** The model input at step i. */
  scaleModelInput(x: Float32Array, i: number): Float32Array;
  /** One update from step i to i+1 with the (guided) noise prediction. `normal` draws N(0,1). */
  step(eps: Float32Array, i: number, x: Float32Array, normal: () => number): Float32Array;
  /** Noised clean sample at the level of step i (img2img start). */
  addNoise(x0: Float32Array, noise: Float32Array, i: number): Float32Array;
}

const sigmaOf = (ac: number): number => Math.sqrt((1 - ac) / ac);

/** ᾱ at a (possibly fractional) timestep, linearly interpolated. */
export function alphaCumprodAt(ac: Float64Array, t: number): number {
  const lo = Math.floor(t);
  const hi = Math.min(lo + 1, ac.length - 1);
  const f = t - lo;
  return (ac[lo] as number) * (1 - f) + (ac[hi] as number) * f;
}

/** σ at a (possibly fractional) timestep, interpolated in σ as diffusers' np.interp does. */
function sigmaAt(ac: Float64Array, t: number): number {
  const lo = Math.floor(t);
  const hi = Math.min(lo + 1, ac.length - 1);
  const f = t - lo;
  return sigmaOf(ac[lo] as number) * (1 - f) + sigmaOf(ac[hi] as number) * f;
}

class Ddim implements Scheduler {
  readonly kind = 'ddim' as const;
  timesteps: number[] = [];
  readonly initNoiseSigma = 1;
  private readonly ac: Float64Array;
  private ratio = 1;
  constructor(
    private readonly c: SchedulerConfig,
    steps: number,
    private readonly eta: number,
  ) {
    this.ac = alphasCumprod(c);
    this.setTimesteps(steps);
  }
  setTimesteps(steps: number): void {
    this.timesteps = spacedTimesteps(this.c, steps);
    this.ratio = Math.floor(this.c.num_train_timesteps / steps);
  }
  scaleModelInput(x: Float32Array): Float32Array {
    return x;
  }
  step(eps: Float32Array, i: number, x: Float32Array, normal: () => number): Float32Array {
    const t = this.timesteps[i] as number;
    const prev = t - this.ratio;
    const at = this.ac[t] as number;
    const ap = prev >= 0 ? (this.ac[prev] as number) : this.c.set_alpha_to_one ? 1 : (this.ac[0] as number);
    const variance = ((1 - ap) / (1 - at)) * (1 - at / ap);
    const std = this.eta * Math.sqrt(variance);
    const dirCoef = Math.sqrt(Math.max(0, 1 - ap - std * std));
    const sa = Math.sqrt(at);
    const s1 = Math.sqrt(1 - at);
    const sp = Math.sqrt(ap);
    const out = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) {
      const e = eps[k] as number;
      const x0 = ((x[k] as number) - s1 * e) / sa;
      out[k] = sp * x0 + dirCoef * e + (std > 0 ? std * normal() : 0);
    }
    return out;
  }
  addNoise(x0: Float32Array, noise: Float32Array, i: number): Float32Array {
    const a = this.ac[this.timesteps[i] as number] as number;
    const sa = Math.sqrt(a);
    const s1 = Math.sqrt(1 - a);
    return x0.map((v, k) => sa * v + s1 * (noise[k] as number));
  }
}

/** What the schedulers that step in σ share: the config's ᾱ, and σ per timestep with a final σ = 0. */
abstract class SigmaScheduler {
  timesteps: number[] = [];
  sigmas: number[] = [];
  protected readonly ac: Float64Array;
  constructor(protected readonly c: SchedulerConfig) {
    this.ac = alphasCumprod(c);
  }
  protected useTimesteps(timesteps: number[]): void {
    this.timesteps = timesteps;
    this.sigmas = [...timesteps.map((t) => sigmaAt(this.ac, t)), 0];
  }
}

class EulerAncestral extends SigmaScheduler implements Scheduler {
  readonly kind = 'euler-ancestral' as const;
  initNoiseSigma = 1;
  constructor(c: SchedulerConfig, steps: number) {
    super(c);
    this.setTimesteps(steps);
  }
  setTimesteps(steps: number): void {
    // Euler keeps linspace timesteps fractional (diffusers does not round them).
    this.useTimesteps(spacedTimesteps(this.c, steps, 0, false));
    const max = Math.max(...this.sigmas);
    this.initNoiseSigma = this.c.timestep_spacing === 'leading' ? Math.sqrt(max * max + 1) : max;
  }
  scaleModelInput(x: Float32Array, i: number): Float32Array {
    const s = this.sigmas[i] as number;
    const f = 1 / Math.sqrt(s * s + 1);
    return x.map((v) => v * f);
  }
  step(eps: Float32Array, i: number, x: Float32Array, normal: () => number): Float32Array {
    const from = this.sigmas[i] as number;
    const to = this.sigmas[i + 1] as number;
    const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from));
    const down = Math.sqrt(to * to - up * up);
    const dt = down - from;
    const out = new Float32Array(x.length);
    // x0 = x − σ·ε, derivative = (x − x0)/σ = ε: x' = x + ε·dt + noise·σ_up.
    for (let k = 0; k < x.length; k++) out[k] = (x[k] as number) + (eps[k] as number) * dt + (up > 0 ? normal() * up : 0);
    return out;
  }
  addNoise(x0: Float32Array, noise: Float32Array, i: number): Float32Array {
    const s = this.sigmas[i] as number;
    return x0.map((v, k) => v + s * (noise[k] as number));
  }
}

function dpmAt(sigma: number): { alpha: number; sig: number; lambda: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  const sig = sigma * alpha;
  return { alpha, sig, lambda: Math.log(alpha) - Math.log(sig) };
}

class DpmPp2M extends SigmaScheduler implements Scheduler {
  readonly kind = 'dpmpp-2m' as const;
  readonly initNoiseSigma = 1;
  private prevX0: Float32Array | undefined;
  private lowerOrderNums = 0;
  constructor(c: SchedulerConfig, steps: number) {
    super(c);
    this.setTimesteps(steps);
  }
  setTimesteps(steps: number): void {
    this.useTimesteps(spacedTimesteps(this.c, steps, this.c.timestep_spacing === 'trailing' ? 0 : 1));
    this.prevX0 = undefined;
    this.lowerOrderNums = 0;
  }
  scaleModelInput(x: Float32Array): Float32Array {
    return x;
  }
  step(eps: Float32Array, i: number, x: Float32Array): Float32Array {
    const s0 = dpmAt(this.sigmas[i] as number);
    const x0 = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) x0[k] = ((x[k] as number) - s0.sig * (eps[k] as number)) / s0.alpha;
    const sigmaNext = this.sigmas[i + 1] as number;
    const last = i === this.timesteps.length - 1;
    const out = new Float32Array(x.length);
    if (sigmaNext === 0) {
      // Final sigma zero: the first-order update reduces to the denoised estimate.
      out.set(x0);
    } else {
      const t = dpmAt(sigmaNext);
      const h = t.lambda - s0.lambda;
      const a = t.sig / s0.sig;
      const b = t.alpha * (Math.exp(-h) - 1);
      if (this.lowerOrderNums < 1 || last || !this.prevX0) {
        for (let k = 0; k < x.length; k++) out[k] = a * (x[k] as number) - b * (x0[k] as number);
      } else {
        const s1 = dpmAt(this.sigmas[i - 1] as number);
        const r0 = (s0.lambda - s1.lambda) / h;
        const prev = this.prevX0;
        for (let k = 0; k < x.length; k++) {
          const d0 = x0[k] as number;
          const d1 = (d0 - (prev[k] as number)) / r0;
          out[k] = a * (x[k] as number) - b * d0 - 0.5 * b * d1;
        }
      }
    }
    this.prevX0 = x0;
    this.lowerOrderNums++;
    return out;
  }
  addNoise(x0: Float32Array, noise: Float32Array, i: number): Float32Array {
    const s = dpmAt(this.sigmas[i] as number);
    return x0.map((v, k) => s.alpha * v + s.sig * (noise[k] as number));
  }
}

export interface SchedulerOptions {
  kind: SchedulerKind;
  steps: number;
  /** DDIM η (0 = deterministic). */
  eta?: number;
}

export function createScheduler(config: SchedulerConfig, o: SchedulerOptions): Scheduler {
  if (config.prediction_type !== 'epsilon')
    throw new InvalidArgumentError(
      `prediction_type ${config.prediction_type} is not supported by the ${o.kind} state machine (epsilon models only: SD 1.x, SD 2.x base)`,
    );
  switch (o.kind) {
    case 'ddim':
      return new Ddim(config, o.steps, o.eta ?? 0);
    case 'euler-ancestral':
      return new EulerAncestral(config, o.steps);
    case 'dpmpp-2m':
      return new DpmPp2M(config, o.steps);
  }
}
