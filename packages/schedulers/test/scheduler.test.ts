import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { SD15_SCHEDULER, alphasCumprod, createScheduler, spacedTimesteps, type SchedulerKind } from '../src/index.js';

describe('schedulers (diffusers semantics)', () => {
  const ac = alphasCumprod(SD15_SCHEDULER);
  it('scaled_linear betas: ᾱ_0 = 1 − 0.00085 and ᾱ_999 = Π(1 − β)', () => {
    expect(ac[0]).toBeCloseTo(1 - 0.00085, 12);
    let p = 1;
    for (let i = 0; i < 1000; i++) p *= 1 - (Math.sqrt(0.00085) + (i / 999) * (Math.sqrt(0.012) - Math.sqrt(0.00085))) ** 2;
    expect(ac[999]).toBeCloseTo(p, 12);
    expect(ac[999]).toBeCloseTo(0.0046, 3);
  });
  it('timestep spacing as diffusers computes it', () => {
    // DDIM/Euler "leading", steps_offset 1: 1000//50 = 20 → 981, 961, …, 1.
    const t50 = spacedTimesteps(SD15_SCHEDULER, 50);
    expect(t50[0]).toBe(981);
    expect(t50[49]).toBe(1);
    expect(spacedTimesteps(SD15_SCHEDULER, 20).slice(0, 3)).toEqual([951, 901, 851]);
    // DPM-Solver "leading": 1000//(20+1) = 47, arange(21)·47 reversed, last dropped, +1.
    const dpm = createScheduler(SD15_SCHEDULER, { kind: 'dpmpp-2m', steps: 20 });
    expect(dpm.timesteps.slice(0, 3)).toEqual([941, 894, 847]);
    expect(dpm.timesteps[19]).toBe(48);
    expect(spacedTimesteps({ ...SD15_SCHEDULER, timestep_spacing: 'trailing' }, 4)).toEqual([999, 749, 499, 249]);
    expect(spacedTimesteps({ ...SD15_SCHEDULER, timestep_spacing: 'linspace' }, 3)).toEqual([999, 500, 0]);
  });
  it('Euler ancestral: σ = sqrt((1−ᾱ)/ᾱ), inputs scaled by 1/sqrt(σ²+1), init σ = sqrt(σmax²+1) for leading', () => {
    const e = createScheduler(SD15_SCHEDULER, { kind: 'euler-ancestral', steps: 10 });
    const t0 = e.timesteps[0] as number;
    const s0 = Math.sqrt((1 - (ac[t0] as number)) / (ac[t0] as number));
    expect(e.initNoiseSigma).toBeCloseTo(Math.sqrt(s0 * s0 + 1), 6);
    expect(e.scaleModelInput(Float32Array.of(2), 0)[0]).toBeCloseTo(2 / Math.sqrt(s0 * s0 + 1), 5);
  });
  it('one DDIM (η=0) step equals sqrt(ᾱ_prev)·x̂0 + sqrt(1−ᾱ_prev)·ε', () => {
    const d = createScheduler(SD15_SCHEDULER, { kind: 'ddim', steps: 10 });
    const t = d.timesteps[3] as number;
    const prev = t - 100;
    const x = 0.7;
    const eps = -0.3;
    const x0 = (x - Math.sqrt(1 - (ac[t] as number)) * eps) / Math.sqrt(ac[t] as number);
    const want = Math.sqrt(ac[prev] as number) * x0 + Math.sqrt(1 - (ac[prev] as number)) * eps;
    expect(d.step(Float32Array.of(eps), 3, Float32Array.of(x), () => 0)[0]).toBeCloseTo(want, 5);
  });
  it('DPM-Solver++ 2M second-order step matches the hand formula', () => {
    const s = createScheduler(SD15_SCHEDULER, { kind: 'dpmpp-2m', steps: 10 });
    const sig = (t: number): number => Math.sqrt((1 - (ac[t] as number)) / (ac[t] as number));
    const at = (sg: number) => {
      const a = 1 / Math.sqrt(sg * sg + 1);
      return { a, s: sg * a, l: Math.log(a) - Math.log(sg * a) };
    };
    const ts = s.timesteps;
    const x1 = s.step(Float32Array.of(0.2), 0, Float32Array.of(1.5), () => 0)[0] as number;
    const x2 = s.step(Float32Array.of(-0.1), 1, Float32Array.of(x1), () => 0)[0] as number;
    const A = at(sig(ts[0] as number));
    const Bv = at(sig(ts[1] as number));
    const Cv = at(sig(ts[2] as number));
    const m0 = (1.5 - A.s * 0.2) / A.a;
    const first = (Bv.s / A.s) * 1.5 - Bv.a * (Math.exp(-(Bv.l - A.l)) - 1) * m0;
    expect(x1).toBeCloseTo(first, 4);
    const m1 = (first - Bv.s * -0.1) / Bv.a;
    const h = Cv.l - Bv.l;
    const r0 = (Bv.l - A.l) / h;
    const D1 = (m1 - m0) / r0;
    const want = (Cv.s / Bv.s) * first - Cv.a * (Math.exp(-h) - 1) * m1 - 0.5 * Cv.a * (Math.exp(-h) - 1) * D1;
    expect(x2).toBeCloseTo(want, 4);
  });
  it('with an exact denoiser for a point mass x0, every sampler ends on x0', () => {
    const x0 = Float32Array.of(0.3, -1.2, 0.8);
    for (const kind of ['ddim', 'euler-ancestral', 'dpmpp-2m'] as SchedulerKind[]) {
      const s = createScheduler(SD15_SCHEDULER, { kind, steps: 12 });
      const rng = createRng(1);
      let x: Float32Array = Float32Array.from(x0, () => rng.normal() * s.initNoiseSigma);
      if (kind !== 'euler-ancestral')
        x = s.addNoise(
          x0,
          Float32Array.from(x0, () => rng.normal()),
          0,
        );
      for (let i = 0; i < s.timesteps.length; i++) {
        const a = ac[s.timesteps[i] as number] as number;
        // Oracle ε: in DDPM form x = sqrt(ᾱ)x0 + sqrt(1−ᾱ)ε; in σ form (Euler) x = x0 + σε.
        const eps =
          kind === 'euler-ancestral'
            ? x.map((v, k) => (v - (x0[k] as number)) / Math.sqrt((1 - a) / a))
            : x.map((v, k) => (v - Math.sqrt(a) * (x0[k] as number)) / Math.sqrt(1 - a));
        x = s.step(eps, i, x, () => rng.normal());
      }
      // DDIM with set_alpha_to_one=false stops at the ᾱ_0 level (diffusers' final_alpha_cumprod):
      // x = sqrt(ᾱ_0)·x0 + sqrt(1−ᾱ_0)·ε, i.e. within ~0.03·|ε| of x0; the others end at σ = 0.
      const tol = kind === 'ddim' ? 0.03 * 4 : 1e-3;
      for (let k = 0; k < 3; k++) expect(Math.abs((x[k] as number) - (x0[k] as number)), kind).toBeLessThan(tol);
    }
  });
});
