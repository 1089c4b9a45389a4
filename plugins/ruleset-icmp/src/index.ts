import { definePlugin } from '@netsynth/core';
import { IcmpRuleset } from './ruleset.js';
import { icmpOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { IcmpRuleset, createIcmpRuleset, ICMP_RULES } from './ruleset.js';
export { icmpOptionsSchema, type IcmpRulesetOptions, type IcmpRulesetOptionsInput } from './options.js';
export type { IcmpContext } from './context.js';
export { ICMP_CODES, ICMP_DEPRECATED_CODES, ICMP_ERROR_TYPES, ICMP_FIXED_SIZES, ICMPV6_CODES } from './types.js';
export { echoFindings, echoFacts } from './rules/echo.js';
export { quoteFindings, icmpMessageBytes, knownCodes } from './rules/message.js';

export default definePlugin({
  name: '@netsynth/ruleset-icmp',
  kind: 'constraint',
  version: pkg.version,
  description:
    'ICMP/ICMPv6 validity: size, known type/code pairs, fixed sizes, quoted datagram of errors, echo identifier/sequence/data coherence, checksum; minimal repairs.',
  options: icmpOptionsSchema,
  create: (options) => new IcmpRuleset(options),
});
