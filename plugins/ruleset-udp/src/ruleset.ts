import type { Flow } from '@netsynth/core';
import { PacketRuleset, TrafficProfile, ValueSource, type PacketRule } from '@netsynth/protocol-rules';
import { udpContext, type UdpContext } from './context.js';
import { udpOptionsSchema, type UdpRulesetOptions, type UdpRulesetOptionsInput } from './options.js';
import { checksumRule, lengthRule, minSizeRule, portsRule } from './rules/udp-rules.js';

/** Rule order = repair order: size, then the length field, ports, and the checksum last. */
export const UDP_RULES: readonly PacketRule<UdpContext>[] = [minSizeRule, lengthRule, portsRule, checksumRule];

export class UdpRuleset extends PacketRuleset<UdpContext> {
  readonly values: ValueSource;
  readonly options: UdpRulesetOptions;

  constructor(options: UdpRulesetOptionsInput = {}, profile: TrafficProfile = new TrafficProfile()) {
    const parsed = udpOptionsSchema.parse(options);
    const values = new ValueSource(profile);
    super({
      name: 'udp',
      rules: UDP_RULES,
      context: (views, rng) => udpContext(views, parsed, values, rng),
      learn: (flows: readonly Flow[]) => values.learn(flows),
    });
    this.values = values;
    this.options = parsed;
  }
}

export function createUdpRuleset(options: UdpRulesetOptionsInput = {}, profile?: TrafficProfile): UdpRuleset {
  return new UdpRuleset(options, profile);
}
