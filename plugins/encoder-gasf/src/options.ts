import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { FEATURE_NAMES } from './features.js';

const positive = z.number().positive().finite();

/** Packets `decode` builds from recovered series (see README "What decode produces"). */
export const decodeOptionsSchema = z
  .object({
    /** Transport of the decoded flow. */
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
    /** Client (initiator, "up" side) address: TEST-NET-1 by default (RFC 5737 documentation range). */
    client: z.string().refine(isIPv4, 'not an IPv4 address').default('192.0.2.1'),
    /** Server address: TEST-NET-2 by default. */
    server: z.string().refine(isIPv4, 'not an IPv4 address').default('198.51.100.1'),
    serverPort: z.number().int().min(1).max(65535).default(443),
    /** Client port; default: a seeded draw from the ephemeral range 49152–65535. */
    clientPort: z.number().int().min(1).max(65535).optional(),
    /** Largest IP packet built; bigger recovered sizes are clamped to it. */
    mtu: z.number().int().min(68).max(65535).default(1500),
    /** Time of the first packet, seconds since the Unix epoch. */
    startTimeSeconds: z.number().min(0).max(4_000_000_000).default(1_700_000_000),
    /** Gap between packets when no `iat` series is encoded. */
    gapSeconds: z.number().min(0).max(86_400).default(0.01),
    /** A recovered |size| below this is padding, not a packet (20 = the smallest IPv4 packet). */
    minPacketBytes: z.number().min(0).max(1500).default(20),
    /** Direction of packets when neither `direction` nor `signedSize` is encoded. */
    defaultDirection: z.enum(['up', 'down']).default('up'),
    /** Stretch a down-sampled series back to `length` points (repeating values) before making packets. */
    expand: z.boolean().default(true),
  })
  .strict();

/** Fixed normalisation constants in real units (the value that maps to x = 1). */
export const scaleOptionsSchema = z
  .object({
    size: positive.optional(),
    signedSize: positive.optional(),
    iat: positive.optional(),
    bytesPerBin: positive.optional(),
  })
  .strict();

/** Options of the GASF encoder (defaults: NetDiffus' 300-point packet-size series, 32×32, γ = 0.25). */
export const gasfOptionsSchema = z
  .object({
    /** Series encoded, one image channel each, in this order. */
    features: z
      .array(z.enum(FEATURE_NAMES))
      .min(1)
      .default(['size'])
      .refine((f) => new Set(f).size === f.length, 'features must not repeat'),
    /** Points per series (packets, or bins for bytesPerBin): longer samples are truncated, shorter ones zero-padded. */
    length: z.number().int().min(1).max(8192).default(300),
    /** Side of the square image after area resizing; null keeps the full length×length field. */
    resolution: z.number().int().min(1).max(1024).nullable().default(32),
    /** Gamma correction I_c = A·I^γ applied to pixels in [0, 1]. */
    gamma: positive.max(16).default(0.25),
    /** A of the gamma correction. */
    gain: positive.max(1000).default(1),
    /** Tensor values: 'symmetric' = 2·pixel − A in [−A, A] (what the DDPM trains on), 'unit' = pixel in [0, A]. */
    tensorRange: z.enum(['symmetric', 'unit']).default('symmetric'),
    /** Width of a bytesPerBin bin. */
    binSeconds: positive.max(86_400).default(0.25),
    /** Which packets bytesPerBin counts. */
    binDirection: z.enum(['both', 'up', 'down']).default('both'),
    /** 'log' encodes log1p(iat / iatLogUnitSeconds) instead of the raw gap (heavy-tailed gaps spread better). */
    iatScale: z.enum(['linear', 'log']).default('linear'),
    iatLogUnitSeconds: positive.max(1).default(1e-6),
    /** render(): channels side by side (1-pixel gap) or channel 0 only. */
    render: z.enum(['channels', 'first']).default('channels'),
    /** Fixed normalisation constants; features not given here are learnt by fit() or use their natural scale. */
    scale: scaleOptionsSchema.prefault({}),
    decode: decodeOptionsSchema.prefault({}),
  })
  .strict();

export type GasfOptions = z.output<typeof gasfOptionsSchema>;
export type GasfOptionsInput = z.input<typeof gasfOptionsSchema>;
export type DecodeOptions = z.output<typeof decodeOptionsSchema>;
