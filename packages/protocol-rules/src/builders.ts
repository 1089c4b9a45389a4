/**
 * Builds well-formed IPv4 packets (raw-IP link type, or Ethernet) with correct checksums:
 * what tests construct scenarios from, and what a repair can use as a template.
 */
import { LinkType, type Packet } from '@netsynth/core';
import { recomputeChecksums } from '@netsynth/pcap';
import { parseIpv4 } from './addresses.js';
import { TCP_FLAG } from './fields.js';

export interface Ipv4Spec {
  src?: string;
  dst?: string;
  ttl?: number;
  identification?: number;
  dontFragment?: boolean;
  tos?: number;
  timestampNs?: bigint;
  /** Wrap in an Ethernet header (link type 1) instead of raw IP (101). */
  ethernet?: boolean;
}

export interface TcpSpec extends Ipv4Spec {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  /** Flag bits (TCP_FLAG values OR-ed); default ACK. */
  flags?: number;
  window?: number;
  /** Option bytes (a multiple of 4 long). */
  options?: Uint8Array;
  payload?: Uint8Array;
}

export interface UdpSpec extends Ipv4Spec {
  srcPort?: number;
  dstPort?: number;
  payload?: Uint8Array;
}

export interface IcmpSpec extends Ipv4Spec {
  type?: number;
  code?: number;
  /** The 4 bytes after the checksum (echo: identifier << 16 | sequence). */
  rest?: number;
  payload?: Uint8Array;
}

const ETH_HEADER = Uint8Array.of(0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00);

function ipv4(spec: Ipv4Spec, protocol: number, upper: Uint8Array): Packet {
  const total = 20 + upper.length;
  const ip = new Uint8Array(total);
  ip[0] = 0x45;
  ip[1] = spec.tos ?? 0;
  ip[2] = total >> 8;
  ip[3] = total & 0xff;
  const id = spec.identification ?? 1;
  ip[4] = (id >> 8) & 0xff;
  ip[5] = id & 0xff;
  ip[6] = spec.dontFragment === false ? 0 : 0x40;
  ip[8] = spec.ttl ?? 64;
  ip[9] = protocol;
  const put = (text: string, at: number): void => {
    const v = parseIpv4(text) ?? 0;
    ip[at] = Math.floor(v / 0x1000000) & 0xff;
    ip[at + 1] = (v >>> 16) & 0xff;
    ip[at + 2] = (v >>> 8) & 0xff;
    ip[at + 3] = v & 0xff;
  };
  put(spec.src ?? '10.0.0.1', 12);
  put(spec.dst ?? '10.0.0.2', 16);
  ip.set(upper, 20);
  const data = spec.ethernet ? new Uint8Array(ETH_HEADER.length + total) : ip;
  if (spec.ethernet) {
    data.set(ETH_HEADER, 0);
    data.set(ip, ETH_HEADER.length);
  }
  const packet: Packet = {
    timestampNs: spec.timestampNs ?? 1_700_000_000_000_000_000n,
    capturedLength: data.length,
    originalLength: data.length,
    linkType: spec.ethernet ? LinkType.ETHERNET : LinkType.RAW,
    data,
  };
  return recomputeChecksums(packet);
}

export function buildTcpPacket(spec: TcpSpec = {}): Packet {
  const options = spec.options ?? new Uint8Array(0);
  const payload = spec.payload ?? new Uint8Array(0);
  const header = 20 + options.length;
  const seg = new Uint8Array(header + payload.length);
  const u16 = (v: number, at: number): void => {
    seg[at] = (v >> 8) & 0xff;
    seg[at + 1] = v & 0xff;
  };
  const u32 = (v: number, at: number): void => {
    u16(Math.floor(v / 0x10000) & 0xffff, at);
    u16(v & 0xffff, at + 2);
  };
  u16(spec.srcPort ?? 40000, 0);
  u16(spec.dstPort ?? 80, 2);
  u32((spec.seq ?? 1000) >>> 0, 4);
  u32((spec.ack ?? 0) >>> 0, 8);
  const flags = spec.flags ?? TCP_FLAG.ACK;
  seg[12] = ((header / 4) << 4) | ((flags >> 8) & 1);
  seg[13] = flags & 0xff;
  u16(spec.window ?? 64240, 14);
  seg.set(options, 20);
  seg.set(payload, header);
  return ipv4(spec, 6, seg);
}

export function buildUdpPacket(spec: UdpSpec = {}): Packet {
  const payload = spec.payload ?? new Uint8Array(0);
  const seg = new Uint8Array(8 + payload.length);
  const sp = spec.srcPort ?? 40000;
  const dp = spec.dstPort ?? 53;
  seg.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, seg.length >> 8, seg.length & 0xff, 0, 0], 0);
  seg.set(payload, 8);
  return ipv4(spec, 17, seg);
}

export function buildIcmpPacket(spec: IcmpSpec = {}): Packet {
  const payload = spec.payload ?? new Uint8Array(0);
  const msg = new Uint8Array(8 + payload.length);
  const rest = (spec.rest ?? 0) >>> 0;
  msg.set([spec.type ?? 8, spec.code ?? 0, 0, 0, (rest >>> 24) & 0xff, (rest >>> 16) & 0xff, (rest >>> 8) & 0xff, rest & 0xff], 0);
  msg.set(payload, 8);
  return ipv4(spec, 1, msg);
}
