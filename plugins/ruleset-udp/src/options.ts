import { z } from 'zod';

export const udpOptionsSchema = z
  .object({
    /** Checksums left to NIC offload (the folded pseudo-header sum): 'accept' as real captures show them, or 'reject'. */
    offloadedChecksums: z.enum(['accept', 'reject']).default('accept'),
  })
  .strict();

export type UdpRulesetOptions = z.output<typeof udpOptionsSchema>;
export type UdpRulesetOptionsInput = z.input<typeof udpOptionsSchema>;
