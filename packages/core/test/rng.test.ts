import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../src/index.js';

describe('seeded rng', () => {
  it('gives the same sequence for the same seed and different ones otherwise', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 16 }, () => a.uint32());
    const sb = Array.from({ length: 16 }, () => b.uint32());
    const sc = Array.from({ length: 16 }, () => c.uint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('is uniform enough: mean, variance and bucket counts', () => {
    const r = createRng(7);
    const n = 200_000;
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
      sq += x * x;
      buckets[Math.floor(x * 10)]!++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(0.02 * n);
  });

  it('draws standard normals', () => {
    const r = createRng(3);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.02);
  });

  it('int stays in range and shuffle is a seeded permutation', () => {
    const r = createRng(1);
    const draws = Array.from({ length: 1000 }, () => r.int(7));
    expect(draws.every((k) => Number.isInteger(k) && k >= 0 && k < 7)).toBe(true);
    expect(new Set(draws).size).toBe(7);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s1 = createRng(9).shuffle([...items]);
    const s2 = createRng(9).shuffle([...items]);
    expect(s1).toEqual(s2);
    expect([...s1].sort((x, y) => x - y)).toEqual(items);
    expect(s1).not.toEqual(items);
  });

  it('forks and derived seeds are stable and label-dependent', () => {
    expect(deriveSeed(5, 'encode')).toBe(deriveSeed(5, 'encode'));
    expect(deriveSeed(5, 'encode')).not.toBe(deriveSeed(5, 'sample'));
    expect(deriveSeed(5, 'encode')).not.toBe(deriveSeed(6, 'encode'));
    const f1 = createRng(11).fork('x').uint32();
    const f2 = createRng(11).fork('x').uint32();
    const f3 = createRng(11).fork('y').uint32();
    expect(f1).toBe(f2);
    expect(f1).not.toBe(f3);
  });
});
