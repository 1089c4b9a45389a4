import { z } from 'zod';

export const ipv4OptionsSchema = z
  .object({
    /**
     * Checksums a capture shows because the sender offloaded them to its NIC (IPv4 header
     * checksum 0): 'accept' treats them as valid (real captures taken on the sending host are
     * full of them), 'reject' reports them.
     */
    offloadedChecksums: z.enum(['accept', 'reject']).default('accept'),
    /** Malformed IPv4 options: 'strip' removes them (IHL 5, as real traffic almost never carries any), 'nop' overwrites them with NOPs keeping the header length. */
    malformedOptions: z.enum(['strip', 'nop']).default('strip'),
  })
  .strict();

export type Ipv4Options = z.output<typeof ipv4OptionsSchema>;
export type Ipv4OptionsInput = z.input<typeof ipv4OptionsSchema>;
