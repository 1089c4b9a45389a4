import { definePlugin } from '@netsynth/core';
import type { ProviderContext } from '@netsynth/nn';
import { ENCODER_NAME, FlowRecordEncoder } from './encoder.js';
import { flowRecordOptionsSchema, type FlowRecordOptionsInput } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { FlowRecordEncoder, ENCODER_NAME, type FlowRecordDecoded } from './encoder.js';
export { flowRecordOptionsSchema, type FlowRecordOptions, type FlowRecordOptionsInput } from './options.js';
export { flowRecord, ipLength, ipv4ToNumber, numberToIpv4, protocolName, PROTOCOLS, type FlowRecord, type ProtocolName } from './record.js';
export { makeLayout, encodeRecord, decodeRecord, CONTINUOUS, type ContinuousField, type Layout, type Ranges } from './layout.js';
export { trainIp2Vec, recordSentence, Ip2VecTable, token, tokenKind, tokenValue, type Ip2VecModel, type Ip2VecOptions } from './ip2vec.js';
export { BITS_ENCODING, type FieldEncoding, type Embedded } from './layout.js';
export { recordToPackets, directionsFor, splitBytes, MIN_SIZE, type RecordPackets } from './packets.js';

/** An encoder with options parsed from a plain object (defaults filled in). */
export function createFlowRecordEncoder(options: FlowRecordOptionsInput = {}, env?: ProviderContext): FlowRecordEncoder {
  return new FlowRecordEncoder(flowRecordOptionsSchema.parse(options), env);
}

export default definePlugin({
  name: ENCODER_NAME,
  kind: 'encoder',
  version: pkg.version,
  description:
    "Flow records (NetShare's NetFlow fields: addresses and ports as bits, protocol, start, log duration / packets / bytes) as 1×1×L series for the 1-D DDPM, decoded to timed packet flows",
  options: flowRecordOptionsSchema,
  create: (options, ctx) => new FlowRecordEncoder(options, ctx),
});
