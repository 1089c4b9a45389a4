import { createImageTensor, type EncoderInfo } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { areaResizePlane, cannyEdges, controlMap, presenceMask, tensorPicture } from '../src/index.js';

/** A 3-value nPrint grid (1, 0, -1) as the encoder's one-hot and signed tensors. */
function grids(cells: number[][]): { onehot: ReturnType<typeof createImageTensor>; signed: ReturnType<typeof createImageTensor> } {
  const h = cells.length;
  const w = cells[0]?.length ?? 0;
  const onehot = createImageTensor(4, h, w);
  const signed = createImageTensor(1, h, w);
  const plane = h * w;
  cells.forEach((row, y) =>
    row.forEach((v, x) => {
      const i = y * w + x;
      const k = v === 1 ? 0 : v === 0 ? 1 : 2;
      for (let c = 0; c < 3; c++) onehot.data[c * plane + i] = c === k ? 1 : -1;
      onehot.data[3 * plane + i] = -1; // IAT channel, ignored
      signed.data[i] = v;
    }),
  );
  return { onehot, signed };
}

const info = (names: string[]): EncoderInfo => ({
  channels: names.length,
  height: 0,
  width: 0,
  valueRange: [-1, 1],
  metadata: { encoding: 'nprint', channelNames: names },
});

describe('nPrint structure map', () => {
  const cells = [
    [1, 0, -1, -1],
    [0, 0, 1, -1],
    [-1, -1, -1, -1],
  ];
  const want = cells.flat().map((v) => (v === -1 ? 0 : 1));

  it('is the present / -1 mask of one-hot and signed tensors alike', () => {
    const { onehot, signed } = grids(cells);
    expect(Array.from(presenceMask(onehot, info(['bit=1', 'bit=0', 'bit=-1', 'iat'])))).toEqual(want);
    expect(Array.from(presenceMask(signed, info(['bit'])))).toEqual(want);
    // Without encoder info: one channel is signed, three or more are read as the RGB picture.
    expect(Array.from(presenceMask(signed))).toEqual(want);
    expect(Array.from(presenceMask(onehot))).toEqual(want);
  });

  it('is area-resized to the pipeline size as the share of present bits, in all three planes', () => {
    const { onehot } = grids(cells);
    const img = controlMap(onehot, info(['bit=1', 'bit=0', 'bit=-1', 'iat']), { kind: 'structure', width: 2, height: 1, canny: { low: 100, high: 200 } });
    expect(img.width).toBe(2);
    expect(img.height).toBe(1);
    // Left half (2×3 cells): 4 of 6 present; right half: 1 of 6 present.
    expect(img.data[0]).toBeCloseTo(4 / 6, 6);
    expect(img.data[1]).toBeCloseTo(1 / 6, 6);
    expect(Array.from(img.data.subarray(2, 4))).toEqual(Array.from(img.data.subarray(0, 2)));
    expect(Array.from(img.data.subarray(4, 6))).toEqual(Array.from(img.data.subarray(0, 2)));
  });

  it('pictures one-hot and signed tensors as the same NetDiffusion colours', () => {
    const { onehot, signed } = grids(cells);
    const a = tensorPicture(onehot, info(['bit=1', 'bit=0', 'bit=-1', 'iat']));
    const b = tensorPicture(signed, info(['bit']));
    expect(Array.from(a)).toEqual(Array.from(b));
    // cell (0,0) is 1 → red
    expect([a[0], a[12], a[24]]).toEqual([1, 0, 0]);
  });
});

describe('area resize', () => {
  it('averages blocks, keeps the mean, and is the identity at the same size', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(areaResizePlane(src, 4, 4, 4, 4))).toEqual(Array.from(src));
    const half = areaResizePlane(src, 4, 4, 2, 2);
    expect(Array.from(half)).toEqual([2.5, 4.5, 10.5, 12.5]);
    const odd = areaResizePlane(src, 4, 4, 3, 3);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(odd)).toBeCloseTo(mean(src), 5);
    const up = areaResizePlane(Float32Array.from([1, 2]), 2, 1, 4, 1);
    expect(Array.from(up)).toEqual([1, 1, 2, 2]);
  });
});

describe('Canny edges', () => {
  const W = 12;
  const H = 8;
  const picture = (f: (x: number, y: number) => number): Float32Array => {
    const d = new Float32Array(3 * W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) d[c * W * H + y * W + x] = f(x, y);
    return d;
  };
  const count = (e: Float32Array): number => e.reduce((s, v) => s + v, 0);

  it('finds a vertical step as one thin line and nothing on a flat picture', () => {
    const e = cannyEdges(
      picture((x) => (x < 6 ? 0 : 1)),
      W,
      H,
      { low: 100, high: 200 },
    );
    const cols = new Set<number>();
    e.forEach((v, i) => v && cols.add(i % W));
    expect([...cols]).toEqual([5]); // non-maximum suppression keeps one column (OpenCV's tie rule)
    expect(count(e)).toBe(H);
    expect(
      count(
        cannyEdges(
          picture(() => 0.5),
          W,
          H,
          { low: 100, high: 200 },
        ),
      ),
    ).toBe(0);
  });

  it('ignores steps below the low threshold and keeps weak edges only when linked to strong ones', () => {
    // A step of 0.1 (25.5 levels) gives an L1 gradient of 102: above 100, below 200.
    const weak = picture((x) => (x < 6 ? 0 : 0.1));
    expect(count(cannyEdges(weak, W, H, { low: 100, high: 200 }))).toBe(0);
    expect(count(cannyEdges(weak, W, H, { low: 100, high: 101 }))).toBe(H);
    expect(count(cannyEdges(weak, W, H, { low: 103, high: 300 }))).toBe(0);
    // Strong in the top rows, weak below, same column: hysteresis links the weak part.
    const mixed = picture((x, y) => (x < 6 ? 0 : y < 3 ? 1 : 0.1));
    const e = cannyEdges(mixed, W, H, { low: 100, high: 200 });
    expect(count(e)).toBeGreaterThanOrEqual(H - 1);
  });

  it('edge control images are white edges on black at the pipeline size', () => {
    const { onehot } = grids([
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [-1, -1, -1, -1],
      [-1, -1, -1, -1],
    ]);
    const img = controlMap(onehot, info(['bit=1', 'bit=0', 'bit=-1', 'iat']), { kind: 'edges', width: 4, height: 4, canny: { low: 100, high: 200 } });
    const vals = new Set(Array.from(img.data));
    expect([...vals].every((v) => v === 0 || v === 1)).toBe(true);
    expect(count(img.data)).toBeGreaterThan(0);
  });
});

describe('structure map of blended one-hot pixels', () => {
  it('is the share of present bits when the generator resized several cells into one pixel', () => {
    const t = createImageTensor(3, 1, 3);
    // bit=-1 channel after a bilinear blend: fully absent, half absent, fully present.
    t.data.set([1, 0, -1], 6);
    expect(Array.from(presenceMask(t, info(['bit=1', 'bit=0', 'bit=-1'])))).toEqual([0, 0.5, 1]);
  });
});
