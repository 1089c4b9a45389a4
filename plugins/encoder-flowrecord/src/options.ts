import { z } from 'zod';

/** Options of the flow-record encoder. */
export const flowRecordOptionsSchema = z.strictObject({
  /** Keep the addresses as 32 bits each (NetShare); `false` leaves them out of the tensor and decodes the documentation endpoints. */
  addresses: z
    .boolean()
    .default(true)
    .describe(
      'encode source and destination IPv4 addresses as 32 bits each (NetShare); false: leave them out and decode to the decode.client/decode.server endpoints',
    ),
  /** Bits / one-hot are exact and need no model; IP2Vec (NetShare) learns vectors from the training records in `fit`. */
  encoding: z
    .strictObject({
      addresses: z
        .enum(['bits', 'ip2vec'])
        .default('bits')
        .describe("bits: 32 ±1 values per address; ip2vec: the address's learned vector, decoded to the nearest training address"),
      ports: z
        .enum(['bits', 'ip2vec'])
        .default('bits')
        .describe("bits: 16 ±1 values per port; ip2vec: the port's learned vector, decoded to the nearest training port"),
      protocol: z
        .enum(['onehot', 'ip2vec'])
        .default('onehot')
        .describe('onehot: one value per protocol class; ip2vec: the learned vector, decoded to the nearest training protocol'),
    })
    .default({ addresses: 'bits', ports: 'bits', protocol: 'onehot' })
    .describe('how addresses, ports and protocol become values'),
  ip2vec: z
    .strictObject({
      dim: z.number().int().min(2).max(64).default(10).describe('vector size (NetShare: 10)'),
      epochs: z.number().int().min(1).max(1000).default(5).describe('passes over the (field, co-occurring field) pairs of the training records'),
      negatives: z.number().int().min(1).max(32).default(5).describe('negative samples per pair (word2vec)'),
      batch: z.number().int().min(1).max(65_536).default(512).describe('pairs per training step'),
      lr: z.number().positive().max(1).default(0.01).describe('Adam learning rate'),
      seed: z.number().int().min(0).default(1).describe('seed of the initial vectors, pair order and negative samples'),
    })
    .default({ dim: 10, epochs: 5, negatives: 5, batch: 512, lr: 0.01, seed: 1 })
    .describe('IP2Vec (skip-gram with negative sampling over the fields of a record) for the fields whose encoding is ip2vec'),
  /** Execution providers of the IP2Vec training session, e.g. [cuda, cpu] (default: the run's `runtime.executionProviders`); a missing one falls back to the CPU with a warning. */
  executionProviders: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "execution providers of the IP2Vec training session, e.g. [cuda, cpu] (default: the run's runtime.executionProviders); a missing one falls back to the CPU with a warning",
    ),
  /** Fixed value ranges in real units; unset ones are learned by `fit` (the training flows' min and max). */
  range: z
    .strictObject({
      start: z
        .tuple([z.number().min(0), z.number().min(0)])
        .optional()
        .describe('seconds after the earliest training flow: [min, max] of a flow start'),
      duration: z
        .tuple([z.number().min(0), z.number().min(0)])
        .optional()
        .describe('seconds: [min, max] of a flow duration'),
      packets: z
        .tuple([z.number().min(1), z.number().min(1)])
        .optional()
        .describe('[min, max] packets per flow'),
      bytes: z
        .tuple([z.number().min(0), z.number().min(0)])
        .optional()
        .describe('[min, max] IP bytes per flow'),
    })
    .default({})
    .describe('fixed [min, max] ranges in real units; ranges not given are learned from the training flows'),
  decode: z
    .strictObject({
      maxPackets: z.number().int().min(1).max(100_000).default(1024).describe('most packets one decoded flow may have'),
      mtu: z.number().int().min(68).max(65535).default(1500).describe('largest IP packet built'),
      startTimeSeconds: z
        .number()
        .min(0)
        .max(4e9)
        .default(1_700_000_000)
        .describe('time of the earliest flow start, seconds since the epoch, when fit saw no flow'),
      client: z.ipv4().default('192.0.2.1').describe('client address when addresses: false'),
      server: z.ipv4().default('198.51.100.1').describe('server address when addresses: false'),
      payload: z
        .enum(['none', 'zeros'])
        .default('none')
        .describe('none: headers only are captured (original length kept, as a capture with a snap length); zeros: the payload bytes are written as zeros'),
      split: z
        .enum(['learned', 'even'])
        .default('learned')
        .describe(
          "learned: packet sizes, gaps and directions follow a training flow of the class with similar totals, scaled to the record (even split when fit saw no packets); even: the record's bytes and duration in equal shares",
        ),
    })
    .default({ maxPackets: 1024, mtu: 1500, startTimeSeconds: 1_700_000_000, client: '192.0.2.1', server: '198.51.100.1', payload: 'none', split: 'learned' })
    .describe('how a record becomes packets'),
});

export type FlowRecordOptions = z.output<typeof flowRecordOptionsSchema>;
export type FlowRecordOptionsInput = z.input<typeof flowRecordOptionsSchema>;
