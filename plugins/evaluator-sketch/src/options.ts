import { z } from 'zod';

export const SKETCHES = ['count-min', 'count-sketch', 'univmon'] as const;
export const SKETCH_KEYS = ['fivetuple', 'srcip', 'dstip', 'dstport'] as const;

export const sketchOptionsSchema = z.strictObject({
  /** What a "flow" of the heavy-hitter task is: records grouped by this key, weighted by packets. */
  keys: z.array(z.enum(SKETCH_KEYS)).min(1).default(['fivetuple', 'dstip']).describe('flow keys the heavy hitters are counted by (packets per key)'),
  /** The top-K keys (by true packet count) whose estimates are scored. */
  topK: z.number().int().positive().default(20).describe('heavy hitters scored: the top K keys by packets'),
  /** Counters per row; 0 = the next power of two ≥ the real side's distinct keys ÷ 8 (at least 16), the same for both sides. */
  width: z.number().int().nonnegative().default(0).describe('counters per sketch row; 0: from the real data (distinct keys ÷ 8, a power of two, ≥ 16)'),
  depth: z.number().int().positive().max(16).default(4).describe('rows (hash functions) per sketch'),
  /** UnivMon levels (each a Count Sketch of width ÷ levels, so all three sketches use the same memory). */
  levels: z.number().int().min(2).max(16).default(4).describe('UnivMon levels'),
  /** Sketch runs with different hash seeds whose errors are averaged. */
  trials: z.number().int().positive().max(50).default(5).describe('runs with different hash seeds, averaged'),
});

export type SketchOptions = z.output<typeof sketchOptionsSchema>;
export type SketchOptionsInput = z.input<typeof sketchOptionsSchema>;
