import { describe, expect, it } from 'vitest';
import { alphaBar, cosineConfig, ddpmLinearConfig, endpointTimesteps, logSnrTimesteps, noiseSchedule, type NoiseSchedule } from '../src/index.js';

/** The DDPM generator's schedules (`linear` rescaled to T, `cosine` = squaredcos_cap_v2). */
const makeSchedule = (kind: 'linear' | 'cosine', T: number): NoiseSchedule => noiseSchedule(kind === 'linear' ? ddpmLinearConfig(T) : cosineConfig(T));

describe('noise schedules', () => {
  it('linear: β from 1e-4 to 0.02 over 1000 steps, ᾱ the running product', () => {
    const s = makeSchedule('linear', 1000);
    expect(s.betas[0]).toBeCloseTo(1e-4, 12);
    expect(s.betas[999]).toBeCloseTo(0.02, 12);
    expect(s.betas[500]).toBeCloseTo(1e-4 + (0.02 - 1e-4) * (500 / 999), 12);
    let p = 1;
    for (let i = 0; i < 1000; i++) {
      p *= 1 - (s.betas[i] as number);
      expect(s.alphasCumprod[i]).toBeCloseTo(p, 14);
    }
    // DDPM's known endpoint: ᾱ_T ≈ 4.0e-5 (the data is fully noised).
    expect(s.alphasCumprod[999]).toBeGreaterThan(3e-5);
    expect(s.alphasCumprod[999]).toBeLessThan(5e-5);
  });

  it('linear with T = 100 is rescaled (β 1e-3 → 0.2)', () => {
    const s = makeSchedule('linear', 100);
    expect(s.betas[0]).toBeCloseTo(1e-3, 12);
    expect(s.betas[99]).toBeCloseTo(0.2, 12);
  });

  it('cosine: ᾱ(t) = f(t+1)/f(0) with f = cos²(((t/T)+s)/(1+s)·π/2)', () => {
    const T = 1000;
    const s = makeSchedule('cosine', T);
    const f = (t: number): number => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 10, 250, 500, 750, 900]) expect(s.alphasCumprod[t]).toBeCloseTo(f(t + 1) / f(0), 10);
    for (let i = 0; i < T; i++) expect(s.betas[i]).toBeLessThanOrEqual(0.999);
    for (let i = 1; i < T; i++) expect(s.alphasCumprod[i]).toBeLessThan(s.alphasCumprod[i - 1] as number);
    expect(alphaBar(s, -1)).toBe(1);
  });

  it('sampling timesteps: linspace, descending, from T−1 to 0, all of them at steps = T', () => {
    expect(endpointTimesteps(1000, 4)).toEqual([999, 666, 333, 0]);
    expect(endpointTimesteps(1000, 1)).toEqual([999]);
    expect(endpointTimesteps(1000, 50)[0]).toBe(999);
    expect(endpointTimesteps(1000, 50)[49]).toBe(0);
    expect(new Set(endpointTimesteps(1000, 50)).size).toBe(50);
    const all = endpointTimesteps(1000, 1000);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
    expect(() => endpointTimesteps(10, 11)).toThrow(/1\.\.10/);
  });

  it('log-SNR timesteps: from T−1 to 0, nearly constant steps in λ = ½·log(ᾱ/(1−ᾱ))', () => {
    const s = makeSchedule('linear', 1000);
    const ts = logSnrTimesteps(s.alphasCumprod, 20);
    expect(ts[0]).toBe(999);
    expect(ts[ts.length - 1]).toBe(0);
    expect(ts.length).toBe(20);
    const lam = ts.map((t) => 0.5 * Math.log(alphaBar(s, t) / (1 - alphaBar(s, t))));
    const h = lam.slice(1).map((l, i) => l - (lam[i] as number));
    const mean = ((lam[lam.length - 1] as number) - (lam[0] as number)) / (ts.length - 1);
    for (const hi of h) expect(Math.abs(hi - mean) / mean).toBeLessThan(0.35);
  });
});
