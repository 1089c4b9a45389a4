import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { Histogram, NumericSample, TrafficProfile, ValueSource } from '../src/index.js';

describe('learned distributions', () => {
  it('samples a histogram in proportion to its counts, reproducibly', () => {
    const h = Histogram.fromEntries<number>([
      [64, 90],
      [128, 10],
    ]);
    const draw = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 2000 }, () => h.sample(rng) ?? -1);
    };
    const a = draw(3);
    expect(a).toEqual(draw(3));
    const share = a.filter((x) => x === 64).length / a.length;
    expect(share).toBeGreaterThan(0.85);
    expect(share).toBeLessThan(0.95);
    expect(h.mode()).toBe(64);
    expect(h.closest((k) => Math.abs(k - 120))).toBe(128);
  });

  it('keeps a bounded, spread-out numeric sample', () => {
    const s = new NumericSample(64);
    for (let i = 0; i < 10_000; i++) s.add(i);
    expect(s.size).toBeLessThan(64);
    expect(s.quantile(0)).toBe(0);
    expect(s.quantile(1)).toBeGreaterThan(9000);
    expect(s.quantile(0.5)).toBeGreaterThan(4000);
    expect(s.quantile(0.5)).toBeLessThan(6000);
  });

  it('falls back to the defaults field by field until something is learned', () => {
    const values = new ValueSource(new TrafficProfile());
    expect(values.hist((p) => p.ttl).mode()).toBe(64);
    values.learned.ttl.add(128, 5);
    expect(values.hist((p) => p.ttl).mode()).toBe(128);
    expect(values.hist((p) => p.mss).mode()).toBe(1460);
  });
});
