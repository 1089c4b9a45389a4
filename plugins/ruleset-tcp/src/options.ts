import { z } from 'zod';

export const tcpOptionsSchema = z
  .object({
    /** Checksums left to NIC offload (the folded pseudo-header sum): 'accept' as real captures show them, or 'reject'. */
    offloadedChecksums: z.enum(['accept', 'reject']).default('accept'),
  })
  .strict();

export type TcpRulesetOptions = z.output<typeof tcpOptionsSchema>;
export type TcpRulesetOptionsInput = z.input<typeof tcpOptionsSchema>;
