import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { countValues, jensenShannonCounts, jensenShannonRankCounts, jensenShannonVectors } from '../src/stats/jsd.js';
import { ecdfPoints, quantile, ranks, spearman, weightedEcdfPoints } from '../src/stats/summary.js';
import { normaliseAcrossModels, normalisedWasserstein1, wasserstein1, weightedWasserstein1 } from '../src/stats/wasserstein.js';

describe('Jensen–Shannon', () => {
  it('is 0 for identical distributions whatever the counts scale', () => {
    const a = countValues([80, 80, 443, 53, 53, 53]);
    const b = countValues([80, 80, 80, 80, 443, 443, 53, 53, 53, 53, 53, 53]);
    expect(jensenShannonCounts(a, b)).toBeCloseTo(0, 12);
  });

  it('is 1 in base 2 for disjoint supports, ln 2 in nats, √ln 2 as SciPy distance', () => {
    const a = countValues([1, 2, 3]);
    const b = countValues([4, 5]);
    expect(jensenShannonCounts(a, b)).toBeCloseTo(1, 12);
    expect(jensenShannonCounts(a, b, { base: 'e' })).toBeCloseTo(Math.LN2, 12);
    expect(jensenShannonCounts(a, b, { base: 'e', form: 'distance' })).toBeCloseTo(Math.sqrt(Math.LN2), 12);
  });

  it('matches the closed form for two Bernoulli distributions', () => {
    // p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4).
    const kl = (p: number[], m: number[]): number => p.reduce((s, x, i) => (x > 0 ? s + x * Math.log2(x / (m[i] as number)) : s), 0);
    const expected = 0.5 * kl([0.5, 0.5], [0.75, 0.25]) + 0.5 * kl([1, 0], [0.75, 0.25]);
    expect(jensenShannonVectors([1, 1], [2, 0])).toBeCloseTo(expected, 12);
    expect(jensenShannonVectors([1, 1], [2, 0])).toBeCloseTo(0.311278, 6);
  });

  it('is symmetric and null on an empty side', () => {
    const a = countValues(['x', 'x', 'y']);
    const b = countValues(['y', 'z']);
    expect(jensenShannonCounts(a, b)).toBeCloseTo(jensenShannonCounts(b, a) as number, 14);
    expect(jensenShannonCounts(a, new Map())).toBeNull();
  });

  it('compares addresses by popularity rank, not identity (NetShare)', () => {
    const a = countValues(['10.0.0.1', '10.0.0.1', '10.0.0.2']);
    const b = countValues(['192.168.1.9', '192.168.1.9', '192.168.1.7']);
    expect(jensenShannonRankCounts(a, b)).toBeCloseTo(0, 12);
    expect(jensenShannonCounts(a, b)).toBeCloseTo(1, 12);
    // One address vs two equally popular: ranks (1, 0) vs (1/2, 1/2).
    expect(jensenShannonRankCounts(countValues(['a', 'a']), countValues(['b', 'c']))).toBeCloseTo(0.311278, 6);
  });
});

describe('Wasserstein-1', () => {
  it('is 0 for identical samples', () => {
    const rng = createRng(1);
    const a = Array.from({ length: 500 }, () => rng.normal());
    expect(wasserstein1(a, [...a].reverse())).toBeCloseTo(0, 12);
  });

  it('equals the shift for a shifted sample (analytic EMD)', () => {
    const rng = createRng(2);
    const a = Array.from({ length: 1000 }, () => rng.next() * 100);
    for (const shift of [0.5, 7, 250]) {
      expect(
        wasserstein1(
          a,
          a.map((v) => v + shift),
        ),
      ).toBeCloseTo(shift, 9);
    }
  });

  it('matches hand-computed values with different sample sizes', () => {
    // SciPy: wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5; ([0,1],[0,0,1,1,1,1]) = 1/6.
    expect(wasserstein1([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
    expect(wasserstein1([0, 1], [0, 0, 1, 1, 1, 1])).toBeCloseTo(1 / 6, 12);
    expect(wasserstein1([0], [1, 2, 3])).toBeCloseTo(2, 12);
  });

  it('between U(0,1) and U(0,2) tends to the analytic 1/2', () => {
    const n = 4000;
    const a = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const b = a.map((v) => 2 * v);
    expect(wasserstein1(a, b)).toBeCloseTo(0.5, 3);
  });

  it("weighted: SciPy's figure, and unit weights give the unweighted one exactly", () => {
    // SciPy's docs: wasserstein_distance([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]).
    expect(weightedWasserstein1([3.4, 3.9, 7.5, 7.8], [1.4, 0.9, 3.1, 7.2], [4.5, 1.4], [3.2, 3.5])).toBeCloseTo(4.0781331438047861, 12);
    // Doubling a value's weight is the same as listing it twice.
    expect(weightedWasserstein1([0, 1], [2, 1], [5], [1])).toBeCloseTo(wasserstein1([0, 0, 1], [5]) as number, 12);
    const rng = createRng(3);
    const a = Array.from({ length: 301 }, () => Math.round(rng.normal() * 20) / 4);
    const b = Array.from({ length: 97 }, () => rng.next() * 9);
    const unit = (v: readonly number[]) => v.map(() => 1);
    expect(weightedWasserstein1(a, unit(a), b, unit(b))).toBe(wasserstein1(a, b));
    expect(weightedWasserstein1(a, unit(a), b, unit(b).fill(0))).toBeNull();
    expect(() => weightedWasserstein1([1, 2], [1], [1], [1])).toThrow(/2 values but 1 weights/);
  });

  it('normalises by the real range and across models', () => {
    const real = [0, 10, 20];
    expect(
      normalisedWasserstein1(
        real,
        real.map((v) => v + 20),
      ),
    ).toBeCloseTo(1, 12);
    expect(normalisedWasserstein1(real, real)).toBe(0);
    expect(wasserstein1([], [1])).toBeNull();
    expect(normaliseAcrossModels([1, 3, 5])).toEqual([0.1, 0.5, 0.9]);
  });
});

describe('summaries', () => {
  it('quantiles interpolate like NumPy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 0], 0.25)).toBe(2.5);
  });

  it('ECDF points end at 1 and respect ties', () => {
    const { x, y } = ecdfPoints([3, 1, 2, 2], 10);
    expect(x).toEqual([1, 2, 3]);
    expect(y).toEqual([0.25, 0.75, 1]);
    const big = ecdfPoints(
      Array.from({ length: 10000 }, (_, i) => i),
      50,
    );
    expect(big.x.length).toBeLessThanOrEqual(50);
    expect(big.y.at(-1)).toBe(1);
  });

  it('weighted ECDF points: y is the weight up to x, unit weights give ecdfPoints exactly', () => {
    expect(weightedEcdfPoints([3, 1, 2, 2], [2, 1, 0.5, 0.5], 10)).toEqual({ x: [1, 2, 3], y: [0.25, 0.5, 1] });
    const values = Array.from({ length: 1000 }, (_, i) => (i * 37) % 101);
    expect(
      weightedEcdfPoints(
        values,
        values.map(() => 1),
        40,
      ),
    ).toEqual(ecdfPoints(values, 40));
    expect(weightedEcdfPoints([1, 2], [0, 0])).toEqual({ x: [], y: [] });
  });

  it('Spearman handles ties and monotone maps', () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4], [10, 100, 1000, 10000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});
