import { describe, expect, it } from 'vitest';
import { alternate, benchPairs, median } from '../src/index.js';

describe('alternate', () => {
  it('runs A B A B … and reports the median of the pairwise ratios with min and max', async () => {
    const order: string[] = [];
    const a = [10, 30, 12];
    const b = [10, 20, 4];
    const r = await alternate(
      3,
      (i) => (order.push(`a${i}`), a[i] as number),
      async (i) => (order.push(`b${i}`), b[i] as number),
    );
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    expect(r.ratios).toEqual([1, 1.5, 3]);
    expect(r.ratio).toBe(1.5);
    expect(r.ratioMin).toBe(1);
    expect(r.ratioMax).toBe(3);
  });

  it('median of an even count is the mean of the middle two; pairs come from the environment', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(benchPairs(3, { NETSYNTH_BENCH_PAIRS: '5' })).toBe(5);
    expect(benchPairs(3, { NETSYNTH_BENCH_PAIRS: 'x' })).toBe(3);
  });
});
