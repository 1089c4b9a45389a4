import type { Flow } from '@netsynth/core';
import { PacketRuleset, TrafficProfile, ValueSource, type PacketRule } from '@netsynth/protocol-rules';
import { icmpContext, type IcmpContext } from './context.js';
import { icmpOptionsSchema, type IcmpRulesetOptions, type IcmpRulesetOptionsInput } from './options.js';
import { echoRule, observeEcho } from './rules/echo.js';
import { checksumRule, fixedSizeRule, minSizeRule, quotedRule, typeCodeRule } from './rules/message.js';

/** Rule order = repair order: size, type/code (they decide what the rest means), sizes, quote, echo, checksum last. */
export const ICMP_RULES: readonly PacketRule<IcmpContext>[] = [minSizeRule, typeCodeRule, fixedSizeRule, quotedRule, echoRule, checksumRule];

export class IcmpRuleset extends PacketRuleset<IcmpContext> {
  readonly values: ValueSource;
  readonly options: IcmpRulesetOptions;

  constructor(options: IcmpRulesetOptionsInput = {}, profile: TrafficProfile = new TrafficProfile()) {
    const parsed = icmpOptionsSchema.parse(options);
    const values = new ValueSource(profile);
    super({
      name: 'icmp',
      rules: ICMP_RULES,
      context: (views, rng) => icmpContext(views, parsed, values, rng),
      observe: observeEcho,
      learn: (flows: readonly Flow[]) => values.learn(flows),
    });
    this.values = values;
    this.options = parsed;
  }
}

export function createIcmpRuleset(options: IcmpRulesetOptionsInput = {}, profile?: TrafficProfile): IcmpRuleset {
  return new IcmpRuleset(options, profile);
}
