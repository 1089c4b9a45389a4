import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

const ipv4Pair = z.object({
  a: z.string().refine(isIPv4, 'not an IPv4 address'),
  b: z.string().refine(isIPv4, 'not an IPv4 address'),
});
const ipv6Pair = z.object({
  a: z.string().refine(isIPv6, 'not an IPv6 address'),
  b: z.string().refine(isIPv6, 'not an IPv6 address'),
});

/** Options of the nPrint encoder (defaults: NetDiffusion's layout, 1024 rows, one-hot tensors with IAT). */
export const nprintOptionsSchema = z
  .object({
    /** Headers given columns (`nprint -4 -6 -t -u -i`). */
    headers: z
      .object({
        ipv4: z.boolean().default(true),
        ipv6: z.boolean().default(true),
        tcp: z.boolean().default(true),
        udp: z.boolean().default(true),
        icmp: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Payload bytes per packet (`nprint -p N`); 0 = none, as NetDiffusion. */
    payloadBytes: z.number().int().min(0).max(9000).default(0),
    /** Rows per sample: the first N packets nPrint can represent; fewer are padded. */
    maxPackets: z.number().int().min(1).max(65536).default(1024),
    /** Keep the ipv4/ipv6 src/dst columns in the tensor (NetDiffusion drops them). */
    keepAddresses: z.boolean().default(false),
    /** Training tensor layout: three one-hot channels or one signed channel (see README). */
    tensor: z.enum(['onehot3', 'signed1']).default('onehot3'),
    /** Carry inter-arrival times as an extra channel (log-scaled µs). */
    interArrival: z.boolean().default(true),
    /**
     * Bit columns right of the header bits that carry the row's gap as a thermometer code
     * on the IAT's log scale (timing-columns.ts); 0 = none. What lets an RGB image model
     * (Stable Diffusion) generate timing, as it cannot generate the IAT channel.
     */
    timingColumns: z.number().int().min(0).max(256).default(0),
    /** Gap that maps to the top of the IAT scale (channel and timing columns); longer gaps are clipped to it. */
    iatMaxSeconds: z.number().positive().max(86_400).default(60),
    /** Addresses written into decoded packets when the tensor has none (default: seeded draw). */
    addresses: z.object({ ipv4: ipv4Pair.optional(), ipv6: ipv6Pair.optional() }).strict().optional(),
    /**
     * Decoding of rows that cannot be a packet: `strict` reports them (the bits as they
     * are); `repair` first makes them the nearest packet structure, reporting every change
     * (see README "Decoding generated images").
     */
    rows: z.enum(['strict', 'repair']).default('strict'),
    /**
     * `rows: repair`: `sample` makes a sample's rows one conversation (one 5-tuple, both
     * directions, a TCP handshake, counting IDs; see README); `row` repairs each row on its own.
     */
    conversation: z.enum(['sample', 'row']).default('sample'),
    /** `rows: repair`: a row whose IP fixed header is less than this fraction 0/1 is padding. */
    paddingBelow: z.number().min(0).max(1).default(0.5),
    /** How pixels of a generated picture snap to bits (see snapPixel). */
    snap: z.enum(['netdiffusion', 'largest']).default('netdiffusion'),
  })
  .strict()
  .refine((o) => o.headers.ipv4 || o.headers.ipv6, { message: 'at least one of headers.ipv4 and headers.ipv6 must be on', path: ['headers'] });

export type NprintOptions = z.output<typeof nprintOptionsSchema>;
export type NprintOptionsInput = z.input<typeof nprintOptionsSchema>;
