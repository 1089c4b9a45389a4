import { z } from 'zod';

export const netflowOptionsSchema = z.strictObject({
  /** Per-class metrics as well as over all records (labels with records on both sides). */
  perClass: z.boolean().default(true).describe('also compute every metric per class'),
});

export type NetflowOptions = z.output<typeof netflowOptionsSchema>;
export type NetflowOptionsInput = z.input<typeof netflowOptionsSchema>;
