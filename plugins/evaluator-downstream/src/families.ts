import type { RuntimeOptions } from '@netsynth/nn';
import type { ClassifierFamily } from './classifiers/types.js';
import { decisionTree, gradientBoosting, randomForest } from './classifiers/trees.js';
import { logisticRegression, naiveBayes } from './classifiers/linear.js';
import { mlp } from './classifiers/mlp.js';
import type { ClassifierId, DownstreamOptions } from './options.js';

export function classifierFamilies(options: DownstreamOptions, runtime?: RuntimeOptions): ClassifierFamily[] {
  const make: Record<ClassifierId, () => ClassifierFamily> = {
    decision_tree: () => decisionTree({ maxDepth: 16, minSamplesLeaf: 1 }),
    random_forest: () => randomForest({ trees: options.forest.trees, maxDepth: options.forest.maxDepth, minSamplesLeaf: 1 }),
    gradient_boosting: () =>
      gradientBoosting({
        rounds: options.boosting.rounds,
        learningRate: options.boosting.learningRate,
        maxDepth: options.boosting.maxDepth,
        minSamplesLeaf: 1,
      }),
    logistic_regression: () => logisticRegression({ iterations: 300, learningRate: 0.05, l2: 1e-3 }),
    naive_bayes: () => naiveBayes(),
    mlp: () => mlp({ ...options.mlp, ...(runtime && { runtime }) }),
  };
  return options.classifiers.map((id) => make[id]());
}
