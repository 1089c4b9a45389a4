import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { areaResize, areaTaps, gasfImage, gasfToSeries } from '../src/index.js';

const unitSeries = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 120 });

describe('GASF properties', () => {
  it('un-resized: the diagonal gives the normalised series back (1e-9 absolute)', () => {
    fc.assert(
      fc.property(unitSeries, fc.constantFrom(0.25, 0.5, 0.3, 1), (x, gamma) => {
        const image = gasfImage(x, { gamma, gain: 1 });
        const back = gasfToSeries(image, x.length, { gamma, gain: 1 });
        x.forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThan(1e-9));
      }),
      { numRuns: 150 },
    );
  });

  it('resized: each recovered value lies within the values its cell covers', () => {
    fc.assert(
      fc.property(unitSeries, fc.integer({ min: 1, max: 40 }), (x, size) => {
        fc.pre(size <= x.length);
        const back = gasfToSeries(gasfImage(x, { gamma: 0.25, gain: 1 }, size), size);
        areaTaps(x.length, size).taps.forEach((cell, k) => {
          const covered = cell.map((t) => x[t.source]!);
          expect(back[k]!).toBeGreaterThanOrEqual(Math.min(...covered) - 1e-9);
          expect(back[k]!).toBeLessThanOrEqual(Math.max(...covered) + 1e-9);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('area resize keeps a constant image constant and the mean of any image when shrinking by an integer factor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.double({ min: -5, max: 5, noNaN: true }), (m, f, c) => {
        const n = m * f;
        const constant = areaResize(new Float64Array(n * n).fill(c), n, n, m, m);
        constant.forEach((v) => expect(Math.abs(v - c)).toBeLessThan(1e-9));
        const img = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i));
        const out = areaResize(img, n, n, m, m);
        const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
        expect(Math.abs(mean(out) - mean(img))).toBeLessThan(1e-9);
      }),
      { numRuns: 100 },
    );
  });
});
