import { definePlugin } from '@netsynth/core';
import { FlowRuleset } from './ruleset.js';
import { flowOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { FlowRuleset, createFlowRuleset, FLOW_RULES } from './ruleset.js';
export { flowOptionsSchema, type FlowRulesetOptions, type FlowRulesetOptionsInput } from './options.js';

export default definePlugin({
  name: '@netsynth/ruleset-flow',
  kind: 'constraint',
  version: pkg.version,
  // `netsynth check --strict`: a generated capture has no NIC offload and no capture loss.
  presets: { strict: { captureLoss: 'reject' } },
  description:
    'Inter-packet validity per sub-flow: mirrored 5-tuples, IPv4 identification, TCP handshake/sequence/ack/close/ECN/SACK state, timestamps and inter-arrival times; repairs from learned timing.',
  options: flowOptionsSchema,
  create: (options) => new FlowRuleset(options),
});
