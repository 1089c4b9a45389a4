import type { Rng } from '@netsynth/core';
import { portsTowardsOf, type Histogram, type PacketView, type ValueSource } from '@netsynth/protocol-rules';
import type { TcpRulesetOptions } from './options.js';

export interface TcpContext {
  options: TcpRulesetOptions;
  values: ValueSource;
  rng: Rng | undefined;
  /** Ports each address uses towards each peer in this sample: key "addr>peer". */
  portsTowards: Map<string, Histogram<number>>;
  /** Packets that are the first of their 5-tuple direction in the sample (where a handshake would be). */
  opensDirection: Set<number>;
}

export function tcpContext(views: readonly PacketView[], options: TcpRulesetOptions, values: ValueSource, rng: Rng | undefined): TcpContext {
  const opensDirection = new Set<number>();
  const seenDirections = new Set<string>();
  for (const v of views) {
    const ip = v.ipv4 ?? v.ipv6;
    if (!v.tcp || !ip || v.tcp.truncated) continue;
    const direction = `${ip.src}|${v.tcp.srcPort}|${ip.dst}|${v.tcp.dstPort}`;
    if (!seenDirections.has(direction)) {
      seenDirections.add(direction);
      opensDirection.add(v.index);
    }
  }
  return { options, values, rng, portsTowards: portsTowardsOf(views, 'tcp'), opensDirection };
}
