import { z } from 'zod';

const size = z.tuple([z.number().int().positive(), z.number().int().positive()]);

/** A user-supplied ONNX feature extractor (path relative to the config file). */
export const onnxFeaturesSchema = z.strictObject({
  onnx: z.string().min(1),
  /** Input to feed and output holding the features (default: the model's first of each). */
  inputName: z.string().min(1).optional(),
  outputName: z.string().min(1).optional(),
  /** Resize to this height × width (default: the model's fixed input size, else unchanged). */
  inputSize: size.optional(),
  resize: z.enum(['bilinear', 'nearest', 'area']).default('bilinear'),
  /** Map the encoder's `sourceRange` (default [-1, 1]) onto `inputRange`, then (v − mean[c]) / std[c]. */
  inputRange: z.tuple([z.number(), z.number()]).optional(),
  sourceRange: z.tuple([z.number(), z.number()]).optional(),
  mean: z.array(z.number()).min(1).optional(),
  std: z.array(z.number().positive()).min(1).optional(),
  batchSize: z.number().int().positive().default(32),
});

const featuresSchema = z.union([z.literal('cnn'), z.literal('pooled'), onnxFeaturesSchema]);

export const cnnOptionsSchema = z.strictObject({
  /**
   * Images are area-resized to this height × width before the network; 'auto' (default): kept
   * as they are up to 4096 pixels, else at most 32 rows × 64 columns.
   */
  inputSize: z.union([size, z.literal('auto')]).default('auto'),
  /** Channels of the first convolution (the next two have twice as many). */
  width: z.number().int().min(2).max(128).default(16),
  /** Feature vector size (the penultimate layer). */
  featureSize: z.number().int().min(2).max(1024).default(64),
  steps: z.number().int().min(1).default(300),
  batchSize: z.number().int().min(1).max(1024).default(32),
  learningRate: z.number().positive().max(1).default(2e-3),
});

export const fdOptionsSchema = z.strictObject({
  /**
   * Feature extractor: 'cnn' (default: a small CNN trained on the real images' labels, its
   * penultimate layer), 'pooled' (a fixed pooled map, no training), or an ONNX model by path,
   * e.g. an Inception-v3 export for literature FID.
   */
  features: featuresSchema.default('cnn'),
  cnn: cnnOptionsSchema.default({ inputSize: 'auto', width: 16, featureSize: 64, steps: 300, batchSize: 32, learningRate: 2e-3 }),
  /** Execution providers of the feature network's sessions, e.g. [cuda, cpu] (default: the run's `runtime.executionProviders`); a missing one falls back to the CPU with a warning. */
  executionProviders: z.array(z.string().min(1)).min(1).optional(),
  /** Grid side of the pooled extractor (features per channel: grid² + 2·grid + 2). */
  grid: z.number().int().min(1).max(32).default(6),
  /** Also report the FD of each class with at least `minPerClass` images on both sides. */
  perClass: z.boolean().default(true),
  minPerClass: z.number().int().min(2).default(10),
});

export type FdOptions = z.output<typeof fdOptionsSchema>;
export type FdOptionsInput = z.input<typeof fdOptionsSchema>;
export type CnnOptionsInput = z.input<typeof cnnOptionsSchema>;
