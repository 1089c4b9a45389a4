import { z } from 'zod';

export const icmpOptionsSchema = z
  .object({
    /** Accept ICMP types RFC 6918 deprecated (source quench, information request/reply, address mask...) as known. */
    allowDeprecatedTypes: z.boolean().default(true),
  })
  .strict();

export type IcmpRulesetOptions = z.output<typeof icmpOptionsSchema>;
export type IcmpRulesetOptionsInput = z.input<typeof icmpOptionsSchema>;
