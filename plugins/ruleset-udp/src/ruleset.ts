import { LearningRuleset, type PacketRule, type TrafficProfile } from '@netsynth/protocol-rules';
import { udpContext, type UdpContext } from './context.js';
import { udpOptionsSchema, type UdpRulesetOptions, type UdpRulesetOptionsInput } from './options.js';
import { checksumRule, lengthRule, minSizeRule, portsRule } from './rules/udp-rules.js';

/** Rule order = repair order: size, then the length field, ports, and the checksum last. */
export const UDP_RULES: readonly PacketRule<UdpContext>[] = [minSizeRule, lengthRule, portsRule, checksumRule];

export class UdpRuleset extends LearningRuleset<UdpContext, UdpRulesetOptions> {
  constructor(options: UdpRulesetOptionsInput = {}, profile?: TrafficProfile) {
    super({ name: 'udp', rules: UDP_RULES, options: udpOptionsSchema.parse(options), profile, context: udpContext });
  }
}

export function createUdpRuleset(options: UdpRulesetOptionsInput = {}, profile?: TrafficProfile): UdpRuleset {
  return new UdpRuleset(options, profile);
}
