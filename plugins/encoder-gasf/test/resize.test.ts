import { describe, expect, it } from 'vitest';
import { areaResize, areaTaps } from '../src/index.js';

// Expected values are worked out by hand from the INTER_AREA definition: output pixel d of
// an n → m shrink covers source interval [d·n/m, (d+1)·n/m) and is the mean of the source
// pixels weighted by the part of each the interval covers (OpenCV imgproc/src/resize.cpp,
// computeResizeAreaTab; for zooming, its bilinear emulation in cv::resize).

function row(values: number[], to: number): number[] {
  return [...areaResize(values, 1, values.length, 1, to)];
}

function expectClose(actual: ArrayLike<number>, expected: number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs((actual[i] as number) - e)).toBeLessThanOrEqual(tolerance));
}

describe('areaResize (OpenCV INTER_AREA semantics)', () => {
  const a = [3, 7, 11, 2, 5, 13, 1];

  it('4 → 2: integer factor, plain block means', () => {
    expectClose(row(a.slice(0, 4), 2), [(3 + 7) / 2, (11 + 2) / 2]);
  });

  it('5 → 2: cells of 2.5 pixels split the middle pixel in halves', () => {
    // d0 = [0, 2.5): pixels 0, 1 whole, half of 2 → weights .4 .4 .2; d1 = [2.5, 5): .2 .4 .4
    expectClose(row(a.slice(0, 5), 2), [0.4 * 3 + 0.4 * 7 + 0.2 * 11, 0.2 * 11 + 0.4 * 2 + 0.4 * 5]);
  });

  it('7 → 3: cells of 7/3 pixels', () => {
    // d0 = [0, 7/3): 1, 1, 1/3 of pixel 2 → (3·a0 + 3·a1 + a2)/7
    // d1 = [7/3, 14/3): 2/3 of 2, pixel 3, 2/3 of 4 → (2·a2 + 3·a3 + 2·a4)/7
    // d2 = [14/3, 7): 1/3 of 4, pixels 5, 6 → (a4 + 3·a5 + 3·a6)/7
    expectClose(row(a, 3), [(3 * 3 + 3 * 7 + 11) / 7, (2 * 11 + 3 * 2 + 2 * 5) / 7, (5 + 3 * 13 + 3 * 1) / 7]);
  });

  it('3 → 2: cells of 1.5 pixels', () => {
    expectClose(row(a.slice(0, 3), 2), [(2 * 3 + 7) / 3, (7 + 2 * 11) / 3]);
  });

  it('10 → 4: cells of 2.5 pixels, four outputs', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expectClose(row(v, 4), [0.4 * 1 + 0.4 * 2 + 0.2 * 3, 0.2 * 3 + 0.4 * 4 + 0.4 * 5, 0.4 * 6 + 0.4 * 7 + 0.2 * 8, 0.2 * 8 + 0.4 * 9 + 0.4 * 10]);
  });

  it('n → n is the identity', () => {
    expectClose(row(a, 7), a);
  });

  it('2-D 5×5 → 2×2 weights rows and columns separately', () => {
    // a[i][j] = i·j, so output (r, c) = (Σ w_r(i)·i)·(Σ w_c(j)·j) with the 5 → 2 weights:
    // mean index of cell 0 = .4·0 + .4·1 + .2·2 = 0.8, of cell 1 = .2·2 + .4·3 + .4·4 = 3.2.
    const img = Array.from({ length: 25 }, (_, k) => Math.floor(k / 5) * (k % 5));
    expectClose(areaResize(img, 5, 5, 2, 2), [0.64, 0.8 * 3.2, 3.2 * 0.8, 3.2 * 3.2]);
  });

  it('2-D 3×3 → 2×2 with a non-separable image', () => {
    const img = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    const w = [
      [2 / 3, 1 / 3, 0],
      [0, 1 / 3, 2 / 3],
    ];
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 2; c++) {
        let sum = 0;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += w[r]![i]! * w[c]![j]! * img[i * 3 + j]!;
        expected.push(sum);
      }
    }
    // Spelled out for (0, 0): (4/9)·1 + (2/9)·2 + (2/9)·8 + (1/9)·16 = 40/9.
    expect(expected[0]).toBeCloseTo(40 / 9, 12);
    expectClose(areaResize(img, 3, 3, 2, 2), expected);
  });

  it('keeps the mean of the image when shrinking (weights of each output sum to 1)', () => {
    for (const [n, m] of [
      [300, 32],
      [300, 64],
      [7, 3],
      [5000, 32],
      [33, 32],
    ] as const) {
      const taps = areaTaps(n, m);
      expect(taps.mode).toBe('area');
      for (const t of taps.taps) {
        const sum = t.reduce((s, x) => s + x.weight, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
      }
    }
  });

  it("zooming uses OpenCV's bilinear emulation: 2 → 3 and 2 → 4", () => {
    // 2 → 3: output 1 covers [2/3, 4/3): half of each pixel; outputs 0 and 2 lie inside one pixel.
    expectClose(row([10, 20], 3), [10, 15, 20]);
    // 2 → 4: every output lies inside one source pixel (nearest-like, as OpenCV documents).
    expectClose(row([10, 20], 4), [10, 10, 20, 20]);
    expect(areaTaps(2, 3).mode).toBe('linear');
  });

  it('rejects mismatched shapes', () => {
    expect(() => areaResize([1, 2, 3], 2, 2, 1, 1)).toThrow(/needs 4/);
    expect(() => areaTaps(0, 3)).toThrow(/positive integer/);
  });
});
