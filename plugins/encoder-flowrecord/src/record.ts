import { EncodingError, nsToSeconds, type LabelledSample, type NetflowRecord } from '@netsynth/core';
import { ipLength } from '@netsynth/pcap';

// Part of this plugin's API before it moved to @netsynth/pcap.
export { ipLength };

/** The protocols a record distinguishes; everything else is `other`. */
export const PROTOCOLS = ['tcp', 'udp', 'icmp', 'other'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export function protocolName(ipProtocol: number): ProtocolName {
  return ipProtocol === 6 ? 'tcp' : ipProtocol === 17 ? 'udp' : ipProtocol === 1 ? 'icmp' : 'other';
}

/**
 * One flow as a NetFlow-style record (NetShare's fields: srcip, dstip, srcport, dstport, proto,
 * ts, td, pkt, byt), for a bidirectional flow: src is the initiator, and `upShare` says which
 * share of the packets went initiator → responder (a NetFlow v5 record is one direction; our
 * flows are both).
 */
export interface FlowRecord {
  srcip: string;
  dstip: string;
  /** TCP/UDP ports; ICMP echo: the identifier in both; 0 without ports. */
  srcport: number;
  dstport: number;
  proto: ProtocolName;
  /** Start: seconds since the epoch of the first packet. */
  ts: number;
  /** Duration in seconds (last packet − first). */
  td: number;
  pkt: number;
  /** IP bytes (each packet's IP total length, also when the capture cut the packet). */
  byt: number;
  /** Share of packets sent by the initiator, in [0, 1]. */
  upShare: number;
}

/** IP protocol number of a record's protocol; `other` becomes `otherProtocol` (the training records' most common other one). */
export function protocolNumber(proto: ProtocolName, otherProtocol: number): number {
  return proto === 'tcp' ? 6 : proto === 'udp' ? 17 : proto === 'icmp' ? 1 : otherProtocol;
}

/** A record as core's NetflowRecord (the protocol as its number). */
export function toNetflow(r: FlowRecord, otherProtocol: number): NetflowRecord {
  return {
    srcip: r.srcip,
    dstip: r.dstip,
    srcport: r.srcport,
    dstport: r.dstport,
    proto: protocolNumber(r.proto, otherProtocol),
    ts: r.ts,
    td: r.td,
    pkt: r.pkt,
    byt: r.byt,
  };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An IPv4 address as an unsigned 32-bit number; undefined for anything else (IPv6). */
export function ipv4ToNumber(address: string): number | undefined {
  const m = IPV4.exec(address);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The record of a sample's flow (a whole flow, or a window of one). */
export function flowRecord(sample: LabelledSample, options: { requireIpv4?: boolean } = {}): FlowRecord {
  const { flow } = sample;
  // A record read from a record file (input.records) is the flow: one direction, src → dst.
  if (flow.record) return { ...flow.record, proto: protocolName(flow.record.proto), upShare: 1 };
  const packets = flow.packets;
  const first = packets[0];
  const last = packets[packets.length - 1];
  if (!first || !last) throw new EncodingError(`sample ${sample.id} has no packet`);
  if ((options.requireIpv4 ?? true) && (ipv4ToNumber(flow.key.a.address) === undefined || ipv4ToNumber(flow.key.b.address) === undefined)) {
    throw new EncodingError(
      `sample ${sample.id}: flow ${flow.id} is not IPv4; the flow-record encoder encodes IPv4 addresses as 32 bits (set encoder.options.addresses: false to leave addresses out)`,
    );
  }
  let byt = 0;
  let up = 0;
  packets.forEach((p, i) => {
    byt += ipLength(p);
    if (flow.directions[i] === 0) up++;
  });
  return {
    srcip: flow.key.a.address,
    dstip: flow.key.b.address,
    srcport: flow.key.a.port,
    dstport: flow.key.b.port,
    proto: protocolName(flow.key.protocol),
    ts: nsToSeconds(first.timestampNs),
    td: Math.max(0, nsToSeconds(last.timestampNs - first.timestampNs)),
    pkt: packets.length,
    byt,
    upShare: up / packets.length,
  };
}
