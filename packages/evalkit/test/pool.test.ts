import { createImageTensor } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { averagePool } from '../src/pool.js';

describe('averagePool', () => {
  // Two channels of 4 × 4: channel 0 holds 0..15 row by row, channel 1 the same plus 100.
  const t = createImageTensor(
    2,
    4,
    4,
    Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? i : i - 16 + 100)),
  );

  it('averages each channel over equal cells, row by row', () => {
    expect([...averagePool(t, 0, 2, 2)]).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect([...averagePool(t, 1, 2, 2)]).toEqual([102.5, 104.5, 110.5, 112.5]);
    expect([...averagePool(t, 0, 4, 1)]).toEqual([1.5, 5.5, 9.5, 13.5]);
  });

  it('repeats pixels when asked for more cells than the image has', () => {
    expect([...averagePool(t, 0, 1, 8)]).toEqual([6, 6, 7, 7, 8, 8, 9, 9]);
  });
});
