import type { Rng } from '@netsynth/core';
import { portsTowardsOf, type Histogram, type PacketView, type ValueSource } from '@netsynth/protocol-rules';
import type { UdpRulesetOptions } from './options.js';

export interface UdpContext {
  options: UdpRulesetOptions;
  values: ValueSource;
  rng: Rng | undefined;
  /** Ports each address uses towards each peer in this sample: key "addr>peer". */
  portsTowards: Map<string, Histogram<number>>;
}

export function udpContext(views: readonly PacketView[], options: UdpRulesetOptions, values: ValueSource, rng: Rng | undefined): UdpContext {
  return { options, values, rng, portsTowards: portsTowardsOf(views, 'udp') };
}
