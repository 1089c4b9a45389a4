import { z } from 'zod';

export const anomalyOptionsSchema = z.strictObject({
  /** Share of the real test records each detector flags (its top scores). */
  contamination: z.number().gt(0).lt(0.5).default(0.05).describe('share of the real test records a detector flags as anomalous'),
  /** Labels that are normal traffic: detectors then train on those only and are scored (AUROC) on telling the other labels apart. */
  normal: z
    .array(z.string())
    .default([])
    .describe('labels of normal traffic; when given, detectors train on them only and get an AUROC for finding the other labels'),
  trees: z.number().int().positive().max(1000).default(100).describe('isolation forest: trees'),
  subsample: z.number().int().min(16).max(4096).default(256).describe('isolation forest: records per tree'),
  /** Seeded subsample per set, to bound the cost; 0 = all. */
  maxRecords: z.number().int().nonnegative().default(5000).describe('at most this many records per set (seeded choice); 0 = all'),
});

export type AnomalyOptions = z.output<typeof anomalyOptionsSchema>;
export type AnomalyOptionsInput = z.input<typeof anomalyOptionsSchema>;
