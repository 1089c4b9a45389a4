import { z } from 'zod';

export const fdOptionsSchema = z.strictObject({
  /**
   * Feature extractor: 'pooled' (fixed pooled features, the default), or an ONNX model by path
   * (relative to the config file), e.g. an Inception-v3 export for literature FID.
   */
  extractor: z
    .union([
      z.literal('pooled'),
      z.strictObject({
        onnx: z.string().min(1),
        inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
        inputRange: z.tuple([z.number(), z.number()]).optional(),
        sourceRange: z.tuple([z.number(), z.number()]).optional(),
        batchSize: z.number().int().positive().default(32),
      }),
    ])
    .default('pooled'),
  /** Grid side of the pooled extractor (features per channel: grid² + 2·grid + 2). */
  grid: z.number().int().min(1).max(32).default(6),
  /** Also report the FD of each class with at least `minPerClass` images on both sides. */
  perClass: z.boolean().default(true),
  minPerClass: z.number().int().min(2).default(10),
});

export type FdOptions = z.output<typeof fdOptionsSchema>;
export type FdOptionsInput = z.input<typeof fdOptionsSchema>;
