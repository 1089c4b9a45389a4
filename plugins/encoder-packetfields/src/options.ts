import { z } from 'zod';

/** Options of the packet-field encoder (see README "Layout"). */
export const packetFieldsOptionsSchema = z.strictObject({
  maxPackets: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(32)
    .describe('packets per sample: a longer flow (window) is cut, a shorter one padded with absent rows'),
  layout: z
    .enum(['series', 'matrix'])
    .default('series')
    .describe('series: fields × 1 × packets (one channel per field, for the 1-D DDPM, dims: 1); matrix: 1 × packets × fields (one image, for the 2-D DDPM)'),
  scaling: z
    .enum(['quantile', 'linear'])
    .default('quantile')
    .describe(
      'how sizes, gaps, IP-ID steps and windows become [-1, 1]: quantile maps each through its quantiles among the training packets of the same class and direction (decode returns values that class sent that way); linear maps each over a fixed range',
    ),
  decode: z
    .strictObject({
      client: z.ipv4().default('192.0.2.1').describe('initiator address of every decoded flow (TEST-NET-1, RFC 5737)'),
      server: z.ipv4().default('198.51.100.1').describe('responder address of every decoded flow (TEST-NET-2)'),
      startTimeSeconds: z.number().min(0).max(4e9).default(1_700_000_000).describe('time of the first packet of a decoded flow, seconds since the epoch'),
      mtu: z.number().int().min(68).max(65535).optional().describe('largest IP packet built; default: the largest IP packet fit saw (1500 before fit)'),
    })
    .prefault({})
    .describe('how generated fields become packets'),
});

export type PacketFieldsOptions = z.output<typeof packetFieldsOptionsSchema>;
export type PacketFieldsOptionsInput = z.input<typeof packetFieldsOptionsSchema>;
