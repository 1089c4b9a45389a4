import { definePlugin } from '@netsynth/core';
import { UdpRuleset } from './ruleset.js';
import { udpOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { UdpRuleset, createUdpRuleset, UDP_RULES } from './ruleset.js';
export { udpOptionsSchema, type UdpRulesetOptions, type UdpRulesetOptionsInput } from './options.js';
export type { UdpContext } from './context.js';
export { udpSegmentBytes } from './rules/udp-rules.js';

export default definePlugin({
  name: '@netsynth/ruleset-udp',
  kind: 'constraint',
  version: pkg.version,
  // `netsynth check --strict`: a generated capture has no NIC offload and no capture loss.
  presets: { strict: { offloadedChecksums: 'reject' } },
  description: 'UDP validity: minimum size, length field, ports, checksum (or zero over IPv4); minimal repairs.',
  options: udpOptionsSchema,
  create: (options) => new UdpRuleset(options),
});
