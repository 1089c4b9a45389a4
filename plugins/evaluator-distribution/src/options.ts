import { z } from 'zod';

export const distributionOptionsSchema = z.strictObject({
  /** Logarithm base of the JSD: 2 gives [0, 1] (disjoint = 1); 'e' gives nats as SciPy does. */
  jsdBase: z.union([z.literal(2), z.literal('e')]).default(2),
  /** 'divergence' (NetShare's squared SciPy figure) or 'distance' (SciPy's square root). */
  jsdForm: z.enum(['divergence', 'distance']).default('divergence'),
  /** How many of the most frequent ports to list and compare. */
  topK: z.number().int().positive().max(1000).default(10),
  /** Points per CDF curve in the report. */
  cdfPoints: z.number().int().min(10).max(5000).default(200),
  /** Which record levels to compare. */
  levels: z
    .array(z.enum(['packets', 'flows']))
    .min(1)
    .default(['packets', 'flows']),
});

export type DistributionOptions = z.output<typeof distributionOptionsSchema>;
export type DistributionOptionsInput = z.input<typeof distributionOptionsSchema>;
