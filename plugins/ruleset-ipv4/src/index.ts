import { definePlugin } from '@netsynth/core';
import { Ipv4Ruleset } from './ruleset.js';
import { ipv4OptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { Ipv4Ruleset, createIpv4Ruleset, IPV4_RULES } from './ruleset.js';
export { ipv4OptionsSchema, type Ipv4Options, type Ipv4OptionsInput } from './options.js';
export type { Ipv4Context } from './context.js';
export { totalLengthProblem } from './rules/length.js';
export { ipOptionProblems } from './rules/header.js';
export { addressFindings } from './rules/address.js';
export { protocolEvidence, unassignedProtocol } from './rules/protocol.js';

export default definePlugin({
  name: '@netsynth/ruleset-ipv4',
  kind: 'constraint',
  version: pkg.version,
  // `netsynth check --strict`: a generated capture has no NIC offload and no capture loss.
  presets: { strict: { offloadedChecksums: 'reject' } },
  description:
    'IPv4 header validity: version, IHL and options, total length, fragment fields, TTL, protocol, addresses, header checksum; minimal repairs from learned values.',
  options: ipv4OptionsSchema,
  create: (options) => new Ipv4Ruleset(options),
});
