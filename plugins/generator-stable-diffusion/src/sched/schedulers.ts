/**
 * Samplers with diffusers' semantics (epsilon prediction), driven by the model folder's
 * `scheduler/scheduler_config.json`:
 * - DDIM (DDIMScheduler, η option), no input scaling;
 * - Euler ancestral (EulerAncestralDiscreteScheduler): σ(t) = sqrt((1−ᾱ)/ᾱ), inputs scaled
 *   by 1/sqrt(σ²+1), noise re-injected with σ_up;
 * - DPM-Solver++ 2M (DPMSolverMultistepScheduler, algorithm_type dpmsolver++, order 2,
 *   final sigma zero, first and last steps first-order).
 * Timestep spacing "leading" (SD 1.x default, with steps_offset), "linspace" or "trailing".
 */
import { InvalidArgumentError } from '@netsynth/core';

export type SchedulerKind = 'ddim' | 'euler-ancestral' | 'dpmpp-2m';

export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'scaled_linear' | 'linear';
  steps_offset: number;
  set_alpha_to_one: boolean;
  timestep_spacing: 'leading' | 'linspace' | 'trailing';
  prediction_type: 'epsilon' | 'v_prediction';
}

export const SD15_SCHEDULER: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 1,
  set_alpha_to_one: false,
  timestep_spacing: 'leading',
  prediction_type: 'epsilon',
};

/** Reads the fields that matter from a diffusers scheduler_config.json object (others ignored). */
export function schedulerConfigFrom(json: Record<string, unknown>): SchedulerConfig {
  const num = (k: string, d: number): number => (typeof json[k] === 'number' ? (json[k] as number) : d);
  const str = <T extends string>(k: string, allowed: readonly T[], d: T): T => {
    const v = json[k];
    if (v === undefined || v === null) return d;
    if (typeof v !== 'string' || !allowed.includes(v as T))
      throw new InvalidArgumentError(`scheduler_config.json: ${k} "${String(v)}" is not supported (${allowed.join(', ')})`);
    return v as T;
  };
  return {
    num_train_timesteps: num('num_train_timesteps', 1000),
    beta_start: num('beta_start', 0.00085),
    beta_end: num('beta_end', 0.012),
    beta_schedule: str('beta_schedule', ['scaled_linear', 'linear'] as const, 'scaled_linear'),
    steps_offset: num('steps_offset', 0),
    set_alpha_to_one: json.set_alpha_to_one === true,
    timestep_spacing: str('timestep_spacing', ['leading', 'linspace', 'trailing'] as const, 'leading'),
    prediction_type: str('prediction_type', ['epsilon', 'v_prediction'] as const, 'epsilon'),
  };
}

export function alphasCumprod(c: SchedulerConfig): Float64Array {
  const T = c.num_train_timesteps;
  const out = new Float64Array(T);
  let acc = 1;
  for (let i = 0; i < T; i++) {
    const f = T === 1 ? 0 : i / (T - 1);
    const beta =
      c.beta_schedule === 'scaled_linear'
        ? (Math.sqrt(c.beta_start) + f * (Math.sqrt(c.beta_end) - Math.sqrt(c.beta_start))) ** 2
        : c.beta_start + f * (c.beta_end - c.beta_start);
    acc *= 1 - beta;
    out[i] = acc;
  }
  return out;
}

/** numpy's round: halves to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** diffusers' timestep lists; `extra` = 1 for DPM-Solver, which spaces n+1 points and drops the last. */
export function spacedTimesteps(c: SchedulerConfig, n: number, extra = 0, roundLinspace = true): number[] {
  const T = c.num_train_timesteps;
  if (!Number.isInteger(n) || n < 1 || n > T) throw new InvalidArgumentError(`steps must be an integer in [1, ${T}], got ${n}`);
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

/** A denoising loop's state machine. Arrays are latents in NCHW order, float32. */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** UNet timestep per step (length = steps). */
  readonly timesteps: readonly number[];
  /** Std of the initial noise (txt2img latents = noise × this). */
  readonly initNoiseSigma: number;
  /** The UNet input at step i. */
  scaleModelInput(x: Float32Array, i: number): Float32Array;
  /** One update from step i to i+1 with the (guided) noise prediction. `normal` draws N(0,1). */
  step(eps: Float32Array, i: number, x: Float32Array, normal: () => number): Float32Array;
  /** Noised clean latents at the level of step i (img2img start). */
  addNoise(x0: Float32Array, noise: Float32Array, i: number): Float32Array;
}

const sigmaOf = (ac: number): number => Math.sqrt((1 - ac) / ac);

function acAt(ac: Float64Array, t: number): number {
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
  readonly timesteps: number[];
  readonly initNoiseSigma = 1;
  private readonly ac: Float64Array;
  private readonly ratio: number;
  constructor(
    private readonly c: SchedulerConfig,
    steps: number,
    private readonly eta: number,
  ) {
    this.ac = alphasCumprod(c);
    this.timesteps = spacedTimesteps(c, steps);
    this.ratio = Math.floor(c.num_train_timesteps / steps);
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

class EulerAncestral implements Scheduler {
  readonly kind = 'euler-ancestral' as const;
  readonly timesteps: number[];
  readonly sigmas: number[];
  readonly initNoiseSigma: number;
  constructor(c: SchedulerConfig, steps: number) {
    const ac = alphasCumprod(c);
    // Euler keeps linspace timesteps fractional (diffusers does not round them).
    this.timesteps = spacedTimesteps(c, steps, 0, false);
    this.sigmas = [...this.timesteps.map((t) => sigmaAt(ac, t)), 0];
    const max = Math.max(...this.sigmas);
    this.initNoiseSigma = c.timestep_spacing === 'leading' ? Math.sqrt(max * max + 1) : max;
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

class DpmPp2M implements Scheduler {
  readonly kind = 'dpmpp-2m' as const;
  readonly timesteps: number[];
  readonly sigmas: number[];
  readonly initNoiseSigma = 1;
  private prevX0: Float32Array | undefined;
  private lowerOrderNums = 0;
  private readonly ac: Float64Array;
  constructor(c: SchedulerConfig, steps: number) {
    this.ac = alphasCumprod(c);
    this.timesteps = spacedTimesteps(c, steps, c.timestep_spacing === 'trailing' ? 0 : 1);
    this.sigmas = [...this.timesteps.map((t) => sigmaAt(this.ac, t)), 0];
  }
  scaleModelInput(x: Float32Array): Float32Array {
    return x;
  }
  private static at(sigma: number): { alpha: number; sig: number; lambda: number } {
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const sig = sigma * alpha;
    return { alpha, sig, lambda: Math.log(alpha) - Math.log(sig) };
  }
  step(eps: Float32Array, i: number, x: Float32Array): Float32Array {
    const s0 = DpmPp2M.at(this.sigmas[i] as number);
    const x0 = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) x0[k] = ((x[k] as number) - s0.sig * (eps[k] as number)) / s0.alpha;
    const sigmaNext = this.sigmas[i + 1] as number;
    const last = i === this.timesteps.length - 1;
    const out = new Float32Array(x.length);
    if (sigmaNext === 0) {
      // Final sigma zero: the first-order update reduces to the denoised estimate.
      out.set(x0);
    } else {
      const t = DpmPp2M.at(sigmaNext);
      const h = t.lambda - s0.lambda;
      const a = t.sig / s0.sig;
      const b = t.alpha * (Math.exp(-h) - 1);
      if (this.lowerOrderNums < 1 || last || !this.prevX0) {
        for (let k = 0; k < x.length; k++) out[k] = a * (x[k] as number) - b * (x0[k] as number);
      } else {
        const s1 = DpmPp2M.at(this.sigmas[i - 1] as number);
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
    const s = DpmPp2M.at(this.sigmas[i] as number);
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
    throw new InvalidArgumentError(`prediction_type ${config.prediction_type} is not supported (epsilon models only: SD 1.x, SD 2.x base)`);
  switch (o.kind) {
    case 'ddim':
      return new Ddim(config, o.steps, o.eta ?? 0);
    case 'euler-ancestral':
      return new EulerAncestral(config, o.steps);
    case 'dpmpp-2m':
      return new DpmPp2M(config, o.steps);
  }
}

export { acAt as alphaCumprodAt };
