import type { Flow } from '@netsynth/core';
import { PacketRuleset, TrafficProfile, ValueSource, type PacketRule } from '@netsynth/protocol-rules';
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

export class TcpRuleset extends PacketRuleset<TcpContext> {
  readonly values: ValueSource;
  readonly options: TcpRulesetOptions;

  constructor(options: TcpRulesetOptionsInput = {}, profile: TrafficProfile = new TrafficProfile()) {
    const parsed = tcpOptionsSchema.parse(options);
    const values = new ValueSource(profile);
    super({
      name: 'tcp',
      rules: TCP_RULES,
      context: (views, rng) => tcpContext(views, parsed, values, rng),
      learn: (flows: readonly Flow[]) => values.learn(flows),
    });
    this.values = values;
    this.options = parsed;
  }
}

export function createTcpRuleset(options: TcpRulesetOptionsInput = {}, profile?: TrafficProfile): TcpRuleset {
  return new TcpRuleset(options, profile);
}
