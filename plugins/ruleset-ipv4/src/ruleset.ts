import { LearningRuleset, type PacketRule, type TrafficProfile } from '@netsynth/protocol-rules';
import { ipv4Context, type Ipv4Context } from './context.js';
import { ipv4OptionsSchema, type Ipv4Options, type Ipv4OptionsInput } from './options.js';
import { addressRule } from './rules/address.js';
import { checksumRule } from './rules/checksum.js';
import { fragmentRule } from './rules/fragment.js';
import { ihlRule, minSizeRule, optionsRule, versionRule } from './rules/header.js';
import { frameLengthRule, totalLengthRule } from './rules/length.js';
import { protocolRule } from './rules/protocol.js';
import { ttlRule } from './rules/ttl.js';

/**
 * Rule order = repair order: the version decides whether this is IPv4 at all, IHL and options
 * decide where the payload starts, total length how long it is; then fragment bits, TTL,
 * protocol and addresses; the header checksum is last so it covers every fix above.
 */
export const IPV4_RULES: readonly PacketRule<Ipv4Context>[] = [
  frameLengthRule,
  versionRule,
  minSizeRule,
  ihlRule,
  optionsRule,
  totalLengthRule,
  fragmentRule,
  ttlRule,
  protocolRule,
  addressRule,
  checksumRule,
];

export class Ipv4Ruleset extends LearningRuleset<Ipv4Context, Ipv4Options> {
  constructor(options: Ipv4OptionsInput = {}, profile?: TrafficProfile) {
    super({ name: 'ipv4', rules: IPV4_RULES, options: ipv4OptionsSchema.parse(options), profile, context: ipv4Context });
  }
}

export function createIpv4Ruleset(options: Ipv4OptionsInput = {}, profile?: TrafficProfile): Ipv4Ruleset {
  return new Ipv4Ruleset(options, profile);
}
