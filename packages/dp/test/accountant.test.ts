import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDERS, INTEGER_ORDERS, RdpAccountant, dpSgdEpsilon, logErfc, noiseMultiplierFor, rdpOfOrder } from '../src/index.js';

// TF-Privacy's MNIST tutorial grid (tutorials/mnist_dpsgd_tutorial.py): 1.1…10.9, 12…63.
const TUTORIAL_ORDERS = [...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10), ...Array.from({ length: 52 }, (_, i) => i + 12)];
const mnist = (sigma: number, epochs: number) => ({ sampleRate: 256 / 60000, noiseMultiplier: sigma, steps: Math.floor((epochs * 60000) / 256), delta: 1e-5 });

describe('RDP accountant of the sampled Gaussian mechanism', () => {
  it('reproduces the task brief value: q = 256/60000, σ = 1.1, 60 epochs, δ = 1e-5, integer orders ⇒ ε ≈ 3.0', () => {
    // TF-Privacy's compute_dp_sgd_privacy prints ε = 3.01 for these settings (classic conversion).
    const r = dpSgdEpsilon({ ...mnist(1.1, 60), orders: INTEGER_ORDERS, conversion: 'classic' });
    expect(r.epsilon).toBeCloseTo(3.01, 2);
    expect(r.order).toBe(9);
  });

  it('reproduces the three rows of TF-Privacy tutorials/README.md (ε at δ = 1e-5, batch 256 of 60000)', () => {
    // | noise 1.12, 60 epochs → 2.92 | noise 0.6, 30 epochs → 9.74 | noise 1.2, 10 epochs → 1.20 |
    expect(dpSgdEpsilon({ ...mnist(1.12, 60), orders: TUTORIAL_ORDERS, conversion: 'classic' }).epsilon).toBeCloseTo(2.92, 2);
    expect(Math.abs(dpSgdEpsilon({ ...mnist(0.6, 30), orders: TUTORIAL_ORDERS, conversion: 'classic' }).epsilon - 9.74)).toBeLessThan(0.02);
    expect(dpSgdEpsilon({ ...mnist(1.2, 10), orders: TUTORIAL_ORDERS, conversion: 'classic' }).epsilon).toBeCloseTo(1.2, 2);
  });

  it('the improved conversion is never larger than the classic one', () => {
    for (const [s, e] of [
      [1.1, 60],
      [0.6, 30],
      [2, 5],
    ] as const) {
      const classic = dpSgdEpsilon({ ...mnist(s, e), conversion: 'classic' }).epsilon;
      const improved = dpSgdEpsilon(mnist(s, e)).epsilon;
      expect(improved).toBeLessThanOrEqual(classic);
      expect(improved).toBeGreaterThan(0.5 * classic);
    }
  });

  it('the fractional-order series agrees with the exact integer sum at integer orders', () => {
    // Evaluate the series at α = k ± 1e-9: continuity makes it the integer value.
    for (const [q, s] of [
      [0.01, 1.1],
      [0.1, 2],
      [0.004, 0.7],
    ] as const) {
      for (const a of [2, 5, 16]) {
        const exact = rdpOfOrder(q, s, a);
        expect(rdpOfOrder(q, s, a + 1e-9)).toBeCloseTo(exact, 6);
      }
    }
  });

  it('without subsampling it is the Gaussian mechanism, α/(2σ²); q = 0 costs nothing', () => {
    expect(rdpOfOrder(1, 2, 3)).toBeCloseTo(3 / 8, 12);
    expect(rdpOfOrder(1, 2, 2.5)).toBeCloseTo(2.5 / 8, 12);
    expect(rdpOfOrder(0, 1, 4)).toBe(0);
    // Subsampling amplifies privacy: much less than the unsampled cost.
    expect(rdpOfOrder(0.01, 1, 4)).toBeLessThan(0.01 * (4 / 2));
  });

  it('log erfc matches erfc where it is representable and stays finite in the far tail', () => {
    expect(logErfc(0)).toBeCloseTo(0, 6);
    expect(logErfc(1)).toBeCloseTo(Math.log(0.157299207050285), 6);
    expect(logErfc(-2)).toBeCloseTo(Math.log(1.995322265018953), 6);
    // erfc(30) ≈ 2.56e-393 underflows a double; its log does not.
    expect(logErfc(30)).toBeCloseTo(-903.974, 2);
  });

  it('the inverse finds the σ whose ε meets the target, and only just', () => {
    const base = { sampleRate: 256 / 60000, steps: 14062, delta: 1e-5 };
    for (const target of [1, 3, 8]) {
      const sigma = noiseMultiplierFor({ ...base, epsilon: target });
      expect(dpSgdEpsilon({ ...base, noiseMultiplier: sigma }).epsilon).toBeLessThanOrEqual(target);
      expect(dpSgdEpsilon({ ...base, noiseMultiplier: sigma * 0.99 }).epsilon).toBeGreaterThan(target);
    }
  });

  it('a running account matches the closed form and refuses a step past the budget', () => {
    const acc = new RdpAccountant({ sampleRate: 0.05, noiseMultiplier: 1, delta: 1e-5 });
    acc.record(100);
    expect(acc.spent().epsilon).toBeCloseTo(dpSgdEpsilon({ sampleRate: 0.05, noiseMultiplier: 1, steps: 100, delta: 1e-5 }).epsilon, 12);
    const now = acc.spent().epsilon;
    expect(acc.wouldExceed(now + 1e-9, 1)).toBe(true);
    expect(acc.wouldExceed(now, 0)).toBe(false);
  });

  it('rejects impossible parameters with typed errors', () => {
    expect(() => dpSgdEpsilon({ sampleRate: 1.5, noiseMultiplier: 1, steps: 1, delta: 1e-5 })).toThrow(/sample rate/);
    expect(() => dpSgdEpsilon({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1, delta: 0 })).toThrow(/delta/);
    expect(() => noiseMultiplierFor({ sampleRate: 0.1, steps: 10, delta: 1e-5, epsilon: -1 })).toThrow(/epsilon/);
    expect(DEFAULT_ORDERS.every((a) => a > 1)).toBe(true);
  });
});
