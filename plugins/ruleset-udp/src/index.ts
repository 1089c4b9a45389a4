import { definePlugin } from '@netsynth/core';
import { UdpRuleset } from './ruleset.js';
import { udpOptionsSchema } from './options.js';

export { UdpRuleset, createUdpRuleset, UDP_RULES } from './ruleset.js';
export { udpOptionsSchema, type UdpRulesetOptions, type UdpRulesetOptionsInput } from './options.js';
export type { UdpContext } from './context.js';
export { udpSegmentBytes } from './rules/udp-rules.js';

export default definePlugin({
  name: '@netsynth/ruleset-udp',
  kind: 'constraint',
  version: '0.1.0',
  description: 'UDP validity: minimum size, length field, ports, checksum (or zero over IPv4); minimal repairs.',
  options: udpOptionsSchema,
  create: (options) => new UdpRuleset(options),
});
