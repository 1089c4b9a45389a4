import type { EvalSet, NetflowRecord, PluginContext } from '@netsynth/core';
import { sampleOfRecord } from '@netsynth/records';
import { describe, expect, it } from 'vitest';
import { CountMin, CountSketch, UnivMon, createSketchEvaluator, heavyHitterError, sketchOptionsSchema, trueCounts } from '../src/index.js';

/** Zipf-like packets per destination: a few heavy hitters, a long tail. */
function zipf(n: number, offset = 0): NetflowRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    srcip: `10.0.0.${i % 250}`,
    dstip: `192.0.${(i + offset) % 3}.${(i + offset) % 251}`,
    srcport: 1024 + i,
    dstport: 443,
    proto: 6,
    ts: i,
    td: 1,
    pkt: Math.max(1, Math.round(5000 / (1 + (i % 600)))),
    byt: 1000,
  }));
}
/** Evaluators read only the seed from their context. */
const ctx = { seed: 0 } as PluginContext;
const set = (records: NetflowRecord[]): EvalSet => ({ samples: records.map((r, i) => sampleOfRecord(`s${i}`, 'x', r)) });

describe('sketches', () => {
  it('Count-Min never underestimates; with room for every key the sketches are (near) exact', () => {
    const counts = trueCounts(zipf(2000), 'dstip');
    const cm = new CountMin(32, 4, 1);
    for (const [k, c] of counts) cm.add(k, c);
    for (const [k, c] of counts) expect(cm.estimate(k)).toBeGreaterThanOrEqual(c);
    const options = sketchOptionsSchema.parse({ width: 1 << 16, topK: 10 });
    for (const name of ['count-min', 'count-sketch'] as const) expect(heavyHitterError(counts, name, 1 << 16, options, 3)).toBeCloseTo(0, 9);
    // UnivMon splits the same memory over its levels: a few collisions remain.
    expect(heavyHitterError(counts, 'univmon', 1 << 16, options, 3)).toBeLessThan(0.01);
    const small = sketchOptionsSchema.parse({ width: 16, topK: 10 });
    expect(heavyHitterError(counts, 'count-min', 16, small, 3)).toBeGreaterThan(0);
    expect(new CountSketch(8, 3, 1).estimate('absent')).toBe(0);
    expect(new UnivMon(64, 3, 4, 1).estimate('absent')).toBe(0);
  });

  it('reports heavy-hitter error per sketch and key, the ranking, and floors', async () => {
    const real = set(zipf(1500));
    real.training = set(zipf(3000, 5));
    const result = await createSketchEvaluator({ keys: ['dstip'] }).evaluate(real, set(zipf(1500, 2)), ctx);
    const names = result.metrics.map((m) => m.name);
    expect(names).toEqual([
      'sketch.dstip.count-min.heavy_hitter_error',
      'sketch.dstip.count-sketch.heavy_hitter_error',
      'sketch.dstip.univmon.heavy_hitter_error',
      'sketch.dstip.rank_spearman',
    ]);
    for (const m of result.metrics.slice(0, 3)) {
      expect(m.real!).toBeGreaterThanOrEqual(0);
      expect(typeof m.floor).toBe('number');
    }
    // The same records on both sides: the same errors, the same ranking.
    const same = await createSketchEvaluator({ keys: ['dstip'] }).evaluate(real, set(zipf(1500)), ctx);
    expect(same.metrics[0]!.value).toBe(0);
  });
});
