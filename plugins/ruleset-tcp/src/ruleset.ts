import { LearningRuleset, type PacketRule, type TrafficProfile } from '@netsynth/protocol-rules';
import { tcpContext, type TcpContext } from './context.js';
import { tcpOptionsSchema, type TcpRulesetOptions, type TcpRulesetOptionsInput } from './options.js';
import { checksumRule } from './rules/checksum.js';
import { flagsRule, reservedRule, urgentRule } from './rules/flags.js';
import { portsRule } from './rules/ports.js';
import { dataOffsetRule, minSizeRule } from './rules/size.js';
import { optionsRule } from './rules/tcp-options.js';
import { synDataRule } from './rules/syn-data.js';

/**
 * Rule order = repair order: size and data offset first (they decide where the options and
 * payload are), then header bits, flags (options depend on SYN/ACK), options, ports; the
 * checksum last so it covers every fix.
 */
export const TCP_RULES: readonly PacketRule<TcpContext>[] = [
  minSizeRule,
  dataOffsetRule,
  reservedRule,
  flagsRule,
  urgentRule,
  optionsRule,
  synDataRule,
  portsRule,
  checksumRule,
];

export class TcpRuleset extends LearningRuleset<TcpContext, TcpRulesetOptions> {
  constructor(options: TcpRulesetOptionsInput = {}, profile?: TrafficProfile) {
    super({ name: 'tcp', rules: TCP_RULES, options: tcpOptionsSchema.parse(options), profile, context: tcpContext });
  }
}

export function createTcpRuleset(options: TcpRulesetOptionsInput = {}, profile?: TrafficProfile): TcpRuleset {
  return new TcpRuleset(options, profile);
}
