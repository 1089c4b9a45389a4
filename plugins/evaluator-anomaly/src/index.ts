import type { Evaluator, LabelledSample } from '@netsynth/core';
import { createRng, definePlugin } from '@netsynth/core';
import { evaluatorOf, sampleAtMost, trainingReference, withFloors } from '@netsynth/evalkit';
import { recordsOfSamples } from '@netsynth/records';
import { anomalyOptionsSchema, type AnomalyOptions, type AnomalyOptionsInput } from './options.js';
import { anomalyMetrics, type LabelledRecord } from './task.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { FEATURE_NAMES, recordFeatures } from './features.js';
export { isolationForest, oneClassGaussian, type Detector } from './detectors.js';
export { MODELS, anomalyMetrics, auroc, type LabelledRecord } from './task.js';
export { anomalyOptionsSchema, type AnomalyOptions, type AnomalyOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-anomaly';

function records(samples: readonly LabelledSample[], options: AnomalyOptions, seed: number, what: string): LabelledRecord[] {
  const all = recordsOfSamples(samples);
  return options.maxRecords > 0 ? sampleAtMost(all, options.maxRecords, createRng(seed).fork(what)) : all;
}

export function createAnomalyEvaluator(input: AnomalyOptionsInput = {}): Evaluator {
  const options = anomalyOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, (real, synthetic, ctx) => {
    const seed = ctx?.seed ?? 0;
    // Detectors train on the real training records when the run has them, else on the real set itself.
    const training = real.training?.samples.length ? real.training.samples : real.samples;
    const test = records(real.samples, options, seed, 'test');
    const realTrain = records(training, options, seed, 'train');
    const metrics = anomalyMetrics(realTrain, records(synthetic.samples, options, seed, 'synthetic'), test, options, seed);
    // Floor: detectors trained on real training records (as many per class as the synthetic side) instead.
    const reference = trainingReference(real, synthetic, seed);
    return {
      metrics: reference ? withFloors(metrics, anomalyMetrics(realTrain, records(reference, options, seed, 'reference'), test, options, seed)) : metrics,
    };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description:
    'Anomaly detection as a downstream task (NetML style): flow-record features, an isolation forest and a one-class Gaussian trained on real vs synthetic records and scored on real (score agreement, flagged-set agreement, AUROC with normal labels), with real-vs-real floors',
  options: anomalyOptionsSchema,
  create: (options) => createAnomalyEvaluator(options),
});
