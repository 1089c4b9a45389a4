import { z } from 'zod';

export const privacyOptionsSchema = z.strictObject({
  /**
   * What a sample is compared by: 'series' (the first `seriesLength` packet sizes and
   * inter-arrival times, signed by direction), 'images' (the encoded image tensors, pooled),
   * or 'auto' (images when every side has them, series otherwise).
   */
  features: z.enum(['auto', 'series', 'images']).default('auto'),
  seriesLength: z.number().int().positive().max(4096).default(32),
  /**
   * A synthetic sample is a near-copy when its distance to the nearest training sample is
   * below this percentile of the real-test-to-train distances. By construction that share
   * is this percentile for real held-out data, the baseline to compare against.
   */
  nearCopyPercentile: z.number().gt(0).lt(100).default(5),
  /** Seeded subsample per set to bound the brute-force nearest-neighbour search; 0 = all. */
  maxSamples: z.number().int().nonnegative().default(2000),
  /** Images are average-pooled to at most this many values per channel side before distances. */
  imagePoolSide: z.number().int().positive().max(1024).default(64),
});

export type PrivacyOptions = z.output<typeof privacyOptionsSchema>;
export type PrivacyOptionsInput = z.input<typeof privacyOptionsSchema>;
