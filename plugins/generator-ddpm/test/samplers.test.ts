import { createRng, type Rng } from '@netsynth/core';
import { gaussianDenoiser as exactDenoiser, sampleStats as stats } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { alphaBar, type DenoiseFn, type NoiseSchedule, type Prediction } from '@netsynth/schedulers';
import { guide, makeSchedule, runSampler } from '../src/index.js';

/** The exact denoiser of N(μ, s²) data under `schedule` (see @netsynth/test-support). */
function gaussianDenoiser(schedule: NoiseSchedule, mu: (i: number) => number, s: number, prediction: Prediction): DenoiseFn {
  return exactDenoiser((t) => alphaBar(schedule, t), mu, s, prediction);
}

const rngs = (n: number, seed: number): Rng[] => Array.from({ length: n }, (_, i) => createRng(seed * 100_003 + i));

// The sampling loop itself is tested in @netsynth/schedulers (test/discrete.test.ts); here what
// the generator adds: the option's old names and classifier-free guidance.
describe('sampler option names', () => {
  it('the pre-0.2 names run the same scheduler, byte for byte, and warn once', async () => {
    const schedule = makeSchedule('cosine', 1000);
    const model = gaussianDenoiser(schedule, () => 0.1, 0.4, 'v');
    const o = { schedule, prediction: 'v' as const, steps: 20, size: 2 };
    const warnings: string[] = [];
    const warn = (m: string): void => void warnings.push(m);
    for (const [old, name] of [
      ['dpmpp2m', 'dpmpp-2m'],
      ['ancestral', 'ddpm'],
    ] as const) {
      const a = await runSampler(model, { ...o, sampler: old, rngs: rngs(5, 3), warn });
      const b = await runSampler(model, { ...o, sampler: name, rngs: rngs(5, 3), warn });
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      await runSampler(model, { ...o, sampler: old, rngs: rngs(1, 3), warn });
    }
    expect(warnings).toEqual(['scheduler name "dpmpp2m" is deprecated: use "dpmpp-2m"', 'scheduler name "ancestral" is deprecated: use "ddpm"']);
  });
});

describe('classifier-free guidance', () => {
  it('guide() is ε∅ + w(εy − ε∅)', () => {
    expect(Array.from(guide(Float32Array.of(1, 2), Float32Array.of(0, 1), 3))).toEqual([3, 4]);
    expect(Array.from(guide(Float32Array.of(1, 2), Float32Array.of(0, 1), 1))).toEqual([1, 2]);
  });

  it('on equal-variance Gaussians, guidance w moves the samples to μ∅ + w(μy − μ∅)', async () => {
    // The guided score is exactly the score of N(μ∅ + w(μy − μ∅), s²) at every noise level.
    const schedule = makeSchedule('linear', 1000);
    const cond = gaussianDenoiser(schedule, () => 0.4, 0.2, 'eps');
    const uncond = gaussianDenoiser(schedule, () => 0, 0.2, 'eps');
    const w = 2.5;
    const guided: DenoiseFn = async (x, t) => guide(await cond(x, t), await uncond(x, t), w);
    const x = await runSampler(guided, { schedule, prediction: 'eps', sampler: 'dpmpp-2m', steps: 20, rngs: rngs(2000, 11), size: 1 });
    const { mean, std } = stats(x);
    expect(Math.abs(mean - w * 0.4)).toBeLessThan(0.02);
    expect(Math.abs(std - 0.2) / 0.2).toBeLessThan(0.08);
  });
});
