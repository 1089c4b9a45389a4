import { createRng, type Rng } from '@netsynth/core';
import { gaussianDenoiser as exactDenoiser, sampleStats as stats } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import {
  alphaBar,
  cosineConfig,
  ddpmLinearConfig,
  noiseSchedule,
  sampleLoop,
  type DenoiseFn,
  type DiscreteSchedulerName,
  type NoiseSchedule,
  type Prediction,
} from '../src/index.js';

/** The DDPM generator's schedules (`linear` rescaled to T, `cosine` = squaredcos_cap_v2). */
const makeSchedule = (kind: 'linear' | 'cosine', T: number): NoiseSchedule => noiseSchedule(kind === 'linear' ? ddpmLinearConfig(T) : cosineConfig(T));

/** The exact denoiser of N(μ, s²) data under `schedule` (see @netsynth/test-support). */
function gaussianDenoiser(schedule: NoiseSchedule, mu: (i: number) => number, s: number, prediction: Prediction): DenoiseFn {
  return exactDenoiser((t) => alphaBar(schedule, t), mu, s, prediction);
}

const rngs = (n: number, seed: number): Rng[] => Array.from({ length: n }, (_, i) => createRng(seed * 100_003 + i));

describe('samplers on Gaussian data with the exact denoiser', () => {
  const N = 2000;
  // Tolerance on the std: DDIM is first order and under-disperses narrow data with few
  // steps (50 linear-schedule steps: 9 % narrow here; 200: 2 %), measured, not a bug.
  const cases: [DiscreteSchedulerName, number, 'linear' | 'cosine', Prediction, number][] = [
    ['ddpm', 1000, 'linear', 'eps', 0.05],
    ['ddpm', 1000, 'cosine', 'v', 0.05],
    ['ddim', 50, 'linear', 'eps', 0.11],
    ['ddim', 50, 'cosine', 'v', 0.08],
    ['ddim', 200, 'linear', 'v', 0.04],
    ['dpmpp-2m', 20, 'linear', 'eps', 0.04],
    ['dpmpp-2m', 20, 'cosine', 'v', 0.04],
    ['dpmpp-2m', 10, 'linear', 'v', 0.04],
  ];
  for (const [sampler, steps, kind, prediction, tol] of cases) {
    it(`${sampler} ${steps} steps, ${kind} schedule, ${prediction}-prediction → N(0.5, 0.3²)`, async () => {
      const schedule = makeSchedule(kind, 1000);
      const x = await sampleLoop(
        gaussianDenoiser(schedule, () => 0.5, 0.3, prediction),
        { schedule, prediction, scheduler: sampler, steps, rngs: rngs(N, 7), size: 1 },
      );
      const { mean, std } = stats(x);
      // Standard error of the mean 0.3/√2000 ≈ 0.0067.
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.025);
      expect(Math.abs(std - 0.3) / 0.3).toBeLessThan(tol);
    });
  }

  it('DDIM with η = 1 over every step is the DDPM sampler (same noise, same samples)', async () => {
    // Song et al.: σ² = η²·(1−ᾱ')/(1−ᾱ)·(1−ᾱ/ᾱ') is DDPM's β̃ at η = 1, so the two updates are one formula.
    const schedule = makeSchedule('cosine', 1000);
    const model = gaussianDenoiser(schedule, () => 0.1, 0.4, 'v');
    const o = { schedule, prediction: 'v' as const, steps: 1000, size: 2 };
    const anc = await sampleLoop(model, { ...o, scheduler: 'ddpm', rngs: rngs(50, 4) });
    const ddim = await sampleLoop(model, { ...o, scheduler: 'ddim', eta: 1, rngs: rngs(50, 4) });
    let maxDiff = 0;
    for (let i = 0; i < anc.length; i++) maxDiff = Math.max(maxDiff, Math.abs((anc[i] as number) - (ddim[i] as number)));
    expect(maxDiff).toBeLessThan(1e-3);
    expect(stats(anc).std).toBeGreaterThan(0.2);
  });

  it('DDIM-50 (η = 0 and 1) and ancestral-1000 reproduce a boundary-heavy mixture with clipping', async () => {
    // Like GASF images: 40 % of the values at −1, 20 % at +1 (narrow), 40 % spread in between;
    // x̂₀ clipped to [−1, 1] as in sampling. The exact denoiser of a Gaussian mixture: the
    // posterior-weighted per-component E[x₀ | x_t]. Every sampler must keep the mode weights.
    const comps: [number, number, number][] = [
      [0.4, -1, 0.03],
      [0.2, 1, 0.03],
      [0.4, 0.1, 0.3],
    ];
    const schedule = makeSchedule('cosine', 1000);
    const model: DenoiseFn = async (x, t) => {
      const ab = alphaBar(schedule, t);
      const a = Math.sqrt(ab);
      const sig = Math.sqrt(1 - ab);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const xt = x[i] as number;
        const logw = comps.map(([p, m, s]) => Math.log(p) - 0.5 * Math.log(a * a * s * s + sig * sig) - (xt - a * m) ** 2 / (2 * (a * a * s * s + sig * sig)));
        const top = Math.max(...logw);
        let wsum = 0;
        let x0 = 0;
        comps.forEach(([, m, s], k) => {
          const w = Math.exp((logw[k] as number) - top);
          wsum += w;
          x0 += w * (m + (a * s * s * (xt - a * m)) / (a * a * s * s + sig * sig));
        });
        x0 /= wsum;
        out[i] = a * ((xt - a * x0) / sig) - sig * x0;
      }
      return out;
    };
    const n = 3000;
    const runs: [DiscreteSchedulerName, number, number][] = [
      ['ddpm', 1000, 0],
      ['ddim', 50, 0],
      ['ddim', 50, 1],
    ];
    for (const [sampler, steps, eta] of runs) {
      const x = await sampleLoop(model, { schedule, prediction: 'v', scheduler: sampler, steps, eta, rngs: rngs(n, 9), size: 1, clip: [-1, 1] });
      const lo = x.filter((v) => v < -0.8).length / n;
      const hi = x.filter((v) => v > 0.8).length / n;
      // Standard error of a weight ≈ √(0.4·0.6/3000) ≈ 0.009.
      expect(Math.abs(lo - 0.4), `${sampler} ${steps} η=${eta}: weight at −1 ${lo}`).toBeLessThan(0.03);
      expect(Math.abs(hi - 0.2), `${sampler} ${steps} η=${eta}: weight at +1 ${hi}`).toBeLessThan(0.03);
      expect(Math.max(...x)).toBeLessThanOrEqual(1);
      expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    }
  });

  it('DDIM is deterministic and a sample does not depend on its batch', async () => {
    const schedule = makeSchedule('linear', 1000);
    const model = gaussianDenoiser(schedule, () => 0.2, 0.5, 'eps');
    const o = { schedule, prediction: 'eps' as const, scheduler: 'ddim' as const, steps: 25, size: 3 };
    const all = await sampleLoop(model, { ...o, rngs: rngs(6, 3) });
    const again = await sampleLoop(model, { ...o, rngs: rngs(6, 3) });
    expect(Array.from(again)).toEqual(Array.from(all));
    const last = await sampleLoop(model, { ...o, rngs: rngs(6, 3).slice(4) });
    expect(Array.from(last)).toEqual(Array.from(all.subarray(12)));
  });

  it('clipping keeps the result inside the range', async () => {
    const schedule = makeSchedule('linear', 1000);
    const x = await sampleLoop(
      gaussianDenoiser(schedule, () => 0.9, 0.5, 'eps'),
      { schedule, prediction: 'eps', scheduler: 'dpmpp-2m', steps: 20, rngs: rngs(500, 2), size: 1, clip: [-1, 1] },
    );
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
  });

  it('stops with InterruptedError when the signal is aborted', async () => {
    const schedule = makeSchedule('linear', 100);
    const ac = new AbortController();
    const model = gaussianDenoiser(schedule, () => 0, 1, 'eps');
    let calls = 0;
    const counting: DenoiseFn = async (x, t) => {
      if (++calls === 3) ac.abort();
      return model(x, t);
    };
    await expect(
      sampleLoop(counting, { schedule, prediction: 'eps', scheduler: 'ddpm', steps: 100, rngs: rngs(2, 1), size: 1, signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toBe(3);
  });
});
