import { z } from 'zod';

export const CLASSIFIER_IDS = ['decision_tree', 'random_forest', 'gradient_boosting', 'logistic_regression', 'naive_bayes', 'mlp'] as const;
export type ClassifierId = (typeof CLASSIFIER_IDS)[number];

export const downstreamOptionsSchema = z.strictObject({
  classifiers: z
    .array(z.enum(CLASSIFIER_IDS))
    .min(1)
    .default([...CLASSIFIER_IDS]),
  /**
   * Share of the real samples (stratified, seeded) kept as the real test set; the rest is the
   * real training set. Test data is always real.
   */
  testFraction: z.number().gt(0).lt(1).default(0.3),
  /** Mixed training sets: real training set plus ratio × its size of synthetic samples. */
  mixRatios: z.array(z.number().positive().max(100)).default([0.5, 1]),
  /** Also train on the real set topped up with synthetic samples of its rarer classes. */
  balance: z.boolean().default(true),
  /** Cap per training set (seeded subsample) to bound time; 0 = no cap. */
  maxTrainSamples: z.number().int().nonnegative().default(4000),
  forest: z
    .strictObject({ trees: z.number().int().positive().default(50), maxDepth: z.number().int().positive().default(16) })
    .default({ trees: 50, maxDepth: 16 }),
  boosting: z
    .strictObject({
      rounds: z.number().int().positive().default(60),
      learningRate: z.number().positive().max(1).default(0.1),
      maxDepth: z.number().int().positive().default(3),
    })
    .default({ rounds: 60, learningRate: 0.1, maxDepth: 3 }),
  /** Execution providers of the MLP's sessions, e.g. [cuda, cpu] (default: the run's `runtime.executionProviders`); a missing one falls back to the CPU with a warning. */
  executionProviders: z.array(z.string().min(1)).min(1).optional(),
  /** The MLP (built and trained with the nn engine): hidden layer sizes, mini-batch steps, batch, AdamW. */
  mlp: z
    .strictObject({
      hidden: z.array(z.number().int().positive().max(4096)).min(1).default([64, 64]),
      steps: z.number().int().positive().default(400),
      batchSize: z.number().int().positive().max(4096).default(64),
      learningRate: z.number().positive().max(1).default(3e-3),
      weightDecay: z.number().nonnegative().default(1e-4),
    })
    .default({ hidden: [64, 64], steps: 400, batchSize: 64, learningRate: 3e-3, weightDecay: 1e-4 }),
});

export type DownstreamOptions = z.output<typeof downstreamOptionsSchema>;
export type DownstreamOptionsInput = z.input<typeof downstreamOptionsSchema>;
