import { definePlugin } from '@netsynth/core';
import { TcpRuleset } from './ruleset.js';
import { tcpOptionsSchema } from './options.js';

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
  version: '0.1.0',
  description: 'TCP header validity: minimum size, data offset, reserved bits, flag combinations, urgent pointer, options, ports, pseudo-header checksum; minimal repairs from learned values.',
  options: tcpOptionsSchema,
  create: (options) => new TcpRuleset(options),
});
