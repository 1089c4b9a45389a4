import { definePlugin } from '@netsynth/core';
import { TcpRuleset } from './ruleset.js';
import { tcpOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { TcpRuleset, createTcpRuleset, TCP_RULES } from './ruleset.js';
export { tcpOptionsSchema, type TcpRulesetOptions, type TcpRulesetOptionsInput } from './options.js';
export type { TcpContext } from './context.js';
export { illegalFlags, nearestLegalFlags } from './rules/flags.js';
export { reviewOptions, type OptionsReview } from './rules/tcp-options.js';
export { tcpSegmentBytes } from './rules/size.js';
export { hasFastOpen } from './rules/syn-data.js';

export default definePlugin({
  name: '@netsynth/ruleset-tcp',
  kind: 'constraint',
  version: pkg.version,
  // `netsynth check --strict`: a generated capture has no NIC offload and no capture loss.
  presets: { strict: { offloadedChecksums: 'reject' } },
  description:
    'TCP header validity: minimum size, data offset, reserved bits, flag combinations, urgent pointer, options, ports, pseudo-header checksum; minimal repairs from learned values.',
  options: tcpOptionsSchema,
  create: (options) => new TcpRuleset(options),
});
