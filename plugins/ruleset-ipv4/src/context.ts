import type { Rng } from '@netsynth/core';
import { Histogram, type PacketView, type ValueSource } from '@netsynth/protocol-rules';
import type { Ipv4Options } from './options.js';

/** What the IPv4 rules know about the whole sample. */
export interface Ipv4Context {
  options: Ipv4Options;
  values: ValueSource;
  rng: Rng | undefined;
  /** For each address: the addresses it exchanges packets with in this sample, by count. */
  peers: Map<string, Histogram<string>>;
  /** TTLs each source uses in this sample. */
  ttlBySource: Map<string, Histogram<number>>;
  /** IP protocol numbers seen per conversation (`conversationKey`), for the protocol rule. */
  protocolsByConversation: Map<string, Histogram<number>>;
}

/**
 * Both addresses and the first four bytes after the IP header (the ports of TCP and UDP),
 * direction-free: the packets of one transport conversation share it whatever their protocol
 * byte says. Undefined when those bytes were not captured or the datagram is a later fragment.
 */
export function conversationKey(v: PacketView): string | undefined {
  const ip = v.ipv4;
  const o = v.ipOffset;
  if (!ip || o === undefined || ip.ihl < 5 || ip.fragmentOffset > 0) return undefined;
  const d = v.packet.data;
  const t = o + ip.ihl * 4;
  if (t + 4 > d.length) return undefined;
  const a = `${ip.src}:${((d[t] ?? 0) << 8) | (d[t + 1] ?? 0)}`;
  const b = `${ip.dst}:${((d[t + 2] ?? 0) << 8) | (d[t + 3] ?? 0)}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function ipv4Context(views: readonly PacketView[], options: Ipv4Options, values: ValueSource, rng: Rng | undefined): Ipv4Context {
  const peers = new Map<string, Histogram<string>>();
  const ttlBySource = new Map<string, Histogram<number>>();
  const protocolsByConversation = new Map<string, Histogram<number>>();
  const bump = <K extends string | number>(m: Map<string, Histogram<K>>, key: string, value: K): void => {
    let h = m.get(key);
    if (!h) {
      h = new Histogram<K>();
      m.set(key, h);
    }
    h.add(value);
  };
  for (const v of views) {
    const ip = v.ipv4;
    if (!ip || ip.truncated) continue;
    bump(peers, ip.src, ip.dst);
    bump(peers, ip.dst, ip.src);
    if (ip.ttl > 0) bump(ttlBySource, ip.src, ip.ttl);
    const key = conversationKey(v);
    if (key !== undefined) bump(protocolsByConversation, key, ip.protocol);
  }
  return { options, values, rng, peers, ttlBySource, protocolsByConversation };
}
