import type { Rng } from '@netsynth/core';
import { Histogram, type PacketView, type ValueSource } from '@netsynth/protocol-rules';
import type { UdpRulesetOptions } from './options.js';

export interface UdpContext {
  options: UdpRulesetOptions;
  values: ValueSource;
  rng: Rng | undefined;
  /** Ports each address uses towards each peer in this sample: key "addr>peer". */
  portsTowards: Map<string, Histogram<number>>;
}

export const towards = (address: string, peer: string): string => `${address}>${peer}`;

export function udpContext(views: readonly PacketView[], options: UdpRulesetOptions, values: ValueSource, rng: Rng | undefined): UdpContext {
  const portsTowards = new Map<string, Histogram<number>>();
  const bump = (key: string, port: number): void => {
    if (port === 0) return;
    let h = portsTowards.get(key);
    if (!h) portsTowards.set(key, (h = new Histogram<number>()));
    h.add(port);
  };
  for (const v of views) {
    const ip = v.ipv4 ?? v.ipv6;
    if (!v.udp || !ip || v.udp.truncated) continue;
    bump(towards(ip.src, ip.dst), v.udp.srcPort);
    bump(towards(ip.dst, ip.src), v.udp.dstPort);
  }
  return { options, values, rng, portsTowards };
}
