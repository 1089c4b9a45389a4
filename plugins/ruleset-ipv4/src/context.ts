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
}

export function ipv4Context(views: readonly PacketView[], options: Ipv4Options, values: ValueSource, rng: Rng | undefined): Ipv4Context {
  const peers = new Map<string, Histogram<string>>();
  const ttlBySource = new Map<string, Histogram<number>>();
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
  }
  return { options, values, rng, peers, ttlBySource };
}
