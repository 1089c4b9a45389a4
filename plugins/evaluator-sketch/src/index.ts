import type { Evaluator, LabelledSample, Metric } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { evaluatorOf, trainingReference, withFloors } from '@netsynth/evalkit';
import { recordsOfSamples } from '@netsynth/records';
import { heavyHitterMetrics } from './heavy.js';
import { sketchOptionsSchema, type SketchOptions, type SketchOptionsInput } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { CountMin, CountSketch, UnivMon, hash32, type FrequencySketch } from './sketches.js';
export { autoWidth, heavyHitterError, heavyHitterMetrics, keyOf, trueCounts } from './heavy.js';
export { SKETCHES, SKETCH_KEYS, sketchOptionsSchema, type SketchOptions, type SketchOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-sketch';

function allMetrics(real: readonly LabelledSample[], other: readonly LabelledSample[], options: SketchOptions, seed: number): Metric[] {
  const r = recordsOfSamples(real).map((x) => x.record);
  const o = recordsOfSamples(other).map((x) => x.record);
  return options.keys.flatMap((key) => heavyHitterMetrics(r, o, key, options, seed));
}

export function createSketchEvaluator(input: SketchOptionsInput = {}): Evaluator {
  const options = sketchOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, (real, synthetic, ctx) => {
    const seed = ctx?.seed ?? 0;
    const metrics = allMetrics(real.samples, synthetic.samples, options, seed);
    // Floor: real training records (as many per class as the synthetic side) against the same holdout.
    const reference = trainingReference(real, synthetic, seed);
    return { metrics: reference ? withFloors(metrics, allMetrics(real.samples, reference, options, seed)) : metrics };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description:
    "NetShare's heavy-hitter task: Count-Min, Count Sketch and UnivMon top-K relative error on real vs synthetic flow records (same memory, same hashes), whether the sketches keep their ranking (Spearman), with real-vs-real floors",
  options: sketchOptionsSchema,
  create: (options) => createSketchEvaluator(options),
});
