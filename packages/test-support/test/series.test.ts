import { describe, expect, it } from 'vitest';
import { syntheticSeries, throughput } from '../src/index.js';

/** A deterministic stand-in for core's Rng: a fixed cycle of draws. */
function cycle(values: readonly number[]): { next(): number; int(n: number): number } {
  let i = 0;
  const next = (): number => values[i++ % values.length] as number;
  return { next, int: (n) => Math.floor(next() * n) };
}

describe('syntheticSeries', () => {
  it('fills `packets` points with sizes, directions and log-uniform gaps, then zero padding', () => {
    const s = syntheticSeries(cycle([0, 0.5, 0.999]), 6, 4, 1e-3, 1e3);
    expect(s.size.length).toBe(6);
    for (let i = 0; i < 4; i++) {
      expect(s.size[i]).toBeGreaterThanOrEqual(40);
      expect(s.size[i]).toBeLessThanOrEqual(1500);
      expect(Math.abs(s.direction[i] as number)).toBe(1);
    }
    expect(s.iat[0]).toBe(0);
    for (let i = 1; i < 4; i++) {
      expect(s.iat[i]).toBeGreaterThanOrEqual(1e-3);
      expect(s.iat[i]).toBeLessThan(1);
    }
    expect([...s.size.slice(4), ...s.direction.slice(4), ...s.iat.slice(4)]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('throughput', () => {
  it('counts the items of every timed call after one warm-up call', () => {
    let calls = 0;
    const rate = throughput(() => (calls++, 5), 0.01);
    expect(calls).toBeGreaterThan(1);
    expect(rate).toBeGreaterThan(0);
  });
});
