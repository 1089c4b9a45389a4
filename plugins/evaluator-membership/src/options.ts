import { z } from 'zod';

export const membershipOptionsSchema = z.strictObject({
  /**
   * What a sample is compared by, as in @netsynth/evaluator-privacy: 'series' (the first
   * `seriesLength` packet sizes and inter-arrival times, signed by direction), 'images' (the
   * encoded tensors, pooled), 'auto' (images when every side has them).
   */
  features: z.enum(['auto', 'series', 'images']).default('auto'),
  seriesLength: z.number().int().positive().max(4096).default(32),
  /** Images are average-pooled to at most this many values per channel side (every candidate meets every synthetic sample: kept small). */
  imagePoolSide: z.number().int().positive().max(1024).default(32),
  /** Members and non-members audited per side (equal counts, seeded subsample); synthetic samples kept, at most 4× this. */
  maxSamples: z.number().int().positive().default(500),
  /** Compare a candidate only with synthetic samples of its own label (the attacker knows it; a conditional generator is asked per label). */
  sameLabel: z.boolean().default(true),
  /** The false-positive rate `mia.tpr_at_low_fpr` is read at. */
  lowFpr: z.number().gt(0).lt(1).default(0.05),
});

export type MembershipOptions = z.output<typeof membershipOptionsSchema>;
export type MembershipOptionsInput = z.input<typeof membershipOptionsSchema>;
