import { definePlugin } from '@netsynth/core';
import { ENCODER_NAME, PacketFieldsEncoder } from './encoder.js';
import { packetFieldsOptionsSchema, type PacketFieldsOptionsInput } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { PacketFieldsEncoder, ENCODER_NAME, type PacketFieldsDecoded } from './encoder.js';
export { packetFieldsOptionsSchema, type PacketFieldsOptions, type PacketFieldsOptionsInput } from './options.js';
export { FIELD_NAMES, PACKET_FIELDS, FLOW_FIELDS, FIELD_COUNT, PORT_CLASSES, portClass } from './layout.js';
export { SCALED_FIELDS, type Scales, type ScaledField, type DirectionKnots } from './scaling.js';
export { FLAG_NAMES, OPTION_NAMES, type PacketRow, type FlowFields, type SampleRows, type OptionName } from './rows.js';
export { sampleRows } from './extract.js';
// Profile learning and DNS content live in @netsynth/protocol-rules (shared with other decoders); re-exported here.
export {
  learnProfiles,
  parseDns,
  buildDns,
  type ClassProfile,
  type ProtocolProfile,
  type DirectionProfile,
  type DnsProfile,
  type DnsMessage,
  type DnsQuestion,
  type DnsAnswer,
  type Counts,
} from '@netsynth/protocol-rules';
export type { FlowChoice } from './choose.js';

/** An encoder from raw options (defaults filled in by the schema). */
export function createPacketFieldsEncoder(options: PacketFieldsOptionsInput = {}, seed = 0): PacketFieldsEncoder {
  return new PacketFieldsEncoder(packetFieldsOptionsSchema.parse(options), seed);
}

export default definePlugin({
  name: ENCODER_NAME,
  kind: 'encoder',
  version: pkg.version,
  description:
    'Packet-field matrices (NetShare per-packet headers): direction, sizes, gaps, TTL, flags, window, options, protocol and ports per flow, decoded with per-class header profiles learned in fit',
  options: packetFieldsOptionsSchema,
  create: (options, ctx) => new PacketFieldsEncoder(options, ctx.seed),
});
