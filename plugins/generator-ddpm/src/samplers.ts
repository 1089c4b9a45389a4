/**
 * Sampling through `@netsynth/schedulers`' discrete loop; this file only maps the generator's
 * `sampler` option (which still accepts the pre-0.2 names `ancestral` and `dpmpp2m`, with a
 * warning) onto the shared vocabulary, and holds classifier-free guidance.
 */
import { DISCRETE_SCHEDULERS, resolveSchedulerName, sampleLoop, type DenoiseFn, type SampleLoopOptions } from '@netsynth/schedulers';
import type { SamplerName } from './options.js';

export interface SamplerOptions extends Omit<SampleLoopOptions, 'scheduler'> {
  sampler: SamplerName;
  /** Where an alias's deprecation warning goes (default: process warning). */
  warn?: (message: string) => void;
}

/** Runs the sampler from pure noise; returns the batch of clean samples. */
export function runSampler(model: DenoiseFn, o: SamplerOptions): Promise<Float32Array> {
  const { sampler, warn, ...rest } = o;
  return sampleLoop(model, { ...rest, scheduler: resolveSchedulerName(sampler, DISCRETE_SCHEDULERS, warn) });
}

/** Classifier-free guidance: ε̂ = ε̂_∅ + w·(ε̂_y − ε̂_∅) (the same for v). */
export function guide(cond: Float32Array, uncond: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = (uncond[i] as number) + scale * ((cond[i] as number) - (uncond[i] as number));
  return out;
}
