import type { Evaluator } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { evaluatorOf } from '@netsynth/evalkit';
import { pluginRuntime } from '@netsynth/nn';
import { runDownstream } from './downstream.js';
import type { DownstreamOptions, DownstreamOptionsInput } from './options.js';
import { downstreamOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { runDownstream } from './downstream.js';
export type { DownstreamResult, Scenario, ScenarioOutcome } from './downstream.js';
export { score } from './scores.js';
export type { Scores } from './scores.js';
export { classifierFamilies } from './families.js';
export { decisionTree, gradientBoosting, randomForest } from './classifiers/trees.js';
export type { DecisionTreeOptions, GradientBoostingOptions, RandomForestOptions } from './classifiers/trees.js';
export { logisticRegression, naiveBayes } from './classifiers/linear.js';
export type { LogisticRegressionOptions } from './classifiers/linear.js';
export { DEFAULT_MLP_OPTIONS, mlp } from './classifiers/mlp.js';
export type { MlpOptions } from './classifiers/mlp.js';
export type { ClassifierFamily, FittedClassifier, TrainingData } from './classifiers/types.js';
export { CLASSIFIER_IDS, downstreamOptionsSchema } from './options.js';
export type { ClassifierId, DownstreamOptions, DownstreamOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-downstream';

export function createDownstreamEvaluator(input: DownstreamOptionsInput = {}): Evaluator {
  const options: DownstreamOptions = downstreamOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, async (real, synthetic, ctx) => {
    const task = ctx?.progress.start('downstream classifiers');
    const r = await runDownstream(
      real.samples,
      synthetic.samples,
      options,
      ctx?.seed ?? 0,
      real.training?.samples,
      pluginRuntime(ctx, options.executionProviders),
    );
    if (r.realClasses < 2) ctx?.progress.warn('downstream: the real samples have fewer than 2 labels; no classifier was scored');
    task?.done();
    return { metrics: r.metrics, sections: r.sections };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description: 'Train-real / train-synthetic / mixed / class-balanced classifiers tested on real data: accuracy, macro-F1, Spearman rank correlation',
  options: downstreamOptionsSchema,
  create: (options) => createDownstreamEvaluator(options),
});
