import type { Rng } from '@netsynth/core';
import { Histogram, type PacketView, type ValueSource } from '@netsynth/protocol-rules';
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

export const towards = (address: string, peer: string): string => `${address}>${peer}`;

export function tcpContext(views: readonly PacketView[], options: TcpRulesetOptions, values: ValueSource, rng: Rng | undefined): TcpContext {
  const portsTowards = new Map<string, Histogram<number>>();
  const bump = (key: string, port: number): void => {
    if (port === 0) return;
    let h = portsTowards.get(key);
    if (!h) portsTowards.set(key, (h = new Histogram<number>()));
    h.add(port);
  };
  const opensDirection = new Set<number>();
  const seenDirections = new Set<string>();
  for (const v of views) {
    const ip = v.ipv4 ?? v.ipv6;
    if (!v.tcp || !ip || v.tcp.truncated) continue;
    bump(towards(ip.src, ip.dst), v.tcp.srcPort);
    bump(towards(ip.dst, ip.src), v.tcp.dstPort);
    const direction = `${ip.src}|${v.tcp.srcPort}|${ip.dst}|${v.tcp.dstPort}`;
    if (!seenDirections.has(direction)) {
      seenDirections.add(direction);
      opensDirection.add(v.index);
    }
  }
  return { options, values, rng, portsTowards, opensDirection };
}
