import type { LabelledSample, Packet } from '@netsynth/core';
import { nsToSeconds } from '@netsynth/core';
import { dissect } from '@netsynth/pcap';

/**
 * The header fields the evaluators compare, read once per packet. Null: not present. Only
 * these, not the whole dissection: every evaluated packet's fields stay cached while the
 * evaluators run (a few hundred thousand packets on a big capture).
 */
export interface PacketFields {
  timeSeconds: number;
  /**
   * Packet length in bytes at the IP layer (IPv4 total length, IPv6 payload length + 40),
   * so a raw-IP synthetic capture compares fairly with an Ethernet real one; the wire length
   * when there is no IP header.
   */
  length: number;
  ipVersion: 4 | 6 | null;
  srcIp: string | null;
  dstIp: string | null;
  /** IP protocol number (upper-layer protocol after IPv6 extension headers). */
  protocol: number | null;
  transport: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | null;
  srcPort: number | null;
  dstPort: number | null;
  /** The 9 TCP flag bits as one number. */
  tcpFlags: number | null;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number | null;
  tcpWindow: number | null;
  /** Transport payload length as declared by the headers. */
  payloadLength: number | null;
  isFragment: boolean;
  truncated: boolean;
}

export function packetFields(packet: Packet): PacketFields {
  const d = dissect(packet);
  const ip = d.ip;
  const t = d.transport;
  let length = packet.originalLength;
  if (ip?.kind === 'ipv4' && ip.totalLength > 0) length = ip.totalLength;
  else if (ip?.kind === 'ipv6') length = ip.payloadLength + 40;
  return {
    timeSeconds: nsToSeconds(packet.timestampNs),
    length,
    ipVersion: ip ? (ip.kind === 'ipv4' ? 4 : 6) : null,
    srcIp: ip?.src ?? null,
    dstIp: ip?.dst ?? null,
    protocol: ip?.protocol ?? null,
    transport: t?.kind ?? null,
    srcPort: t && (t.kind === 'tcp' || t.kind === 'udp') ? t.srcPort : null,
    dstPort: t && (t.kind === 'tcp' || t.kind === 'udp') ? t.dstPort : null,
    tcpFlags: t?.kind === 'tcp' ? t.flags.value : null,
    ttl: ip ? (ip.kind === 'ipv4' ? ip.ttl : ip.hopLimit) : null,
    tcpWindow: t?.kind === 'tcp' ? t.window : null,
    payloadLength: d.payloadLength ?? null,
    isFragment: ip?.isFragment ?? false,
    truncated: d.truncated,
  };
}

/** One sample (flow or window) read once: its packets' fields and flow-level figures. */
export interface SampleAnalysis {
  sample: LabelledSample;
  packets: PacketFields[];
  /** Direction of each packet (0 initiator → responder, 1 back). */
  directions: (0 | 1)[];
  /** Seconds between consecutive packets (length packets − 1). */
  interArrivals: number[];
  packetCount: number;
  byteCount: number;
  durationSeconds: number;
}

// Evaluators in one run look at the same samples; reading each packet once is enough.
const cache = new WeakMap<LabelledSample, SampleAnalysis>();

export function analyseSample(sample: LabelledSample): SampleAnalysis {
  const hit = cache.get(sample);
  if (hit) return hit;
  const packets = sample.flow.packets.map(packetFields);
  const directions = sample.flow.packets.map((_, i) => (sample.flow.directions[i] === 1 ? 1 : 0) as 0 | 1);
  const interArrivals: number[] = [];
  for (let i = 1; i < packets.length; i++) {
    // Out-of-order timestamps (possible in synthetic data) count as 0, not negative time.
    interArrivals.push(Math.max(0, (packets[i] as PacketFields).timeSeconds - (packets[i - 1] as PacketFields).timeSeconds));
  }
  let first = Infinity;
  let last = -Infinity;
  for (const p of packets) {
    if (p.timeSeconds < first) first = p.timeSeconds;
    if (p.timeSeconds > last) last = p.timeSeconds;
  }
  const analysis: SampleAnalysis = {
    sample,
    packets,
    directions,
    interArrivals,
    packetCount: packets.length,
    byteCount: packets.reduce((s, p) => s + p.length, 0),
    durationSeconds: packets.length > 1 ? last - first : 0,
  };
  cache.set(sample, analysis);
  return analysis;
}

export function analyseSamples(samples: readonly LabelledSample[]): SampleAnalysis[] {
  return samples.map(analyseSample);
}
