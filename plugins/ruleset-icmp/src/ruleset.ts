import { LearningRuleset, type PacketRule, type TrafficProfile } from '@netsynth/protocol-rules';
import { icmpContext, type IcmpContext } from './context.js';
import { icmpOptionsSchema, type IcmpRulesetOptions, type IcmpRulesetOptionsInput } from './options.js';
import { echoRule, observeEcho } from './rules/echo.js';
import { checksumRule, fixedSizeRule, minSizeRule, quotedRule, typeCodeRule } from './rules/message.js';

/** Rule order = repair order: size, type/code (they decide what the rest means), sizes, quote, echo, checksum last. */
export const ICMP_RULES: readonly PacketRule<IcmpContext>[] = [minSizeRule, typeCodeRule, fixedSizeRule, quotedRule, echoRule, checksumRule];

export class IcmpRuleset extends LearningRuleset<IcmpContext, IcmpRulesetOptions> {
  constructor(options: IcmpRulesetOptionsInput = {}, profile?: TrafficProfile) {
    super({ name: 'icmp', rules: ICMP_RULES, options: icmpOptionsSchema.parse(options), profile, context: icmpContext, observe: observeEcho });
  }
}

export function createIcmpRuleset(options: IcmpRulesetOptionsInput = {}, profile?: TrafficProfile): IcmpRuleset {
  return new IcmpRuleset(options, profile);
}
