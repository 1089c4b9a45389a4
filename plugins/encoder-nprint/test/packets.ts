import type { Packet } from '@netsynth/core';
import { concat } from '@netsynth/test-support';

/** Hand-made datagrams for unit tests (checksums are arbitrary: nPrint keeps whatever is there). */
export interface Ipv4Spec {
  ihl?: number;
  tos?: number;
  totalLength?: number;
  id?: number;
  flags?: number;
  fragmentOffset?: number;
  ttl?: number;
  protocol: number;
  checksum?: number;
  src?: number[];
  dst?: number[];
  options?: number[];
}

export function ipv4Header(s: Ipv4Spec, payloadLength: number): Uint8Array {
  const opts = s.options ?? [];
  const ihl = s.ihl ?? 5 + Math.ceil(opts.length / 4);
  const h = new Uint8Array(Math.max(20, ihl * 4));
  const total = s.totalLength ?? h.length + payloadLength;
  h[0] = 0x40 | (ihl & 0x0f);
  h[1] = s.tos ?? 0;
  h[2] = total >> 8;
  h[3] = total & 0xff;
  h[4] = (s.id ?? 0x1234) >> 8;
  h[5] = (s.id ?? 0x1234) & 0xff;
  const ff = ((s.flags ?? 2) << 13) | (s.fragmentOffset ?? 0);
  h[6] = ff >> 8;
  h[7] = ff & 0xff;
  h[8] = s.ttl ?? 64;
  h[9] = s.protocol;
  h[10] = (s.checksum ?? 0xbeef) >> 8;
  h[11] = (s.checksum ?? 0xbeef) & 0xff;
  h.set(s.src ?? [10, 0, 0, 1], 12);
  h.set(s.dst ?? [10, 0, 0, 2], 16);
  h.set(opts, 20);
  return h;
}

export function ipv6Header(nextHeader: number, payloadLength: number, src = 1, dst = 2): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x6a; // version 6, traffic class high nibble 0xa
  h[1] = 0xb1;
  h[2] = 0x23;
  h[3] = 0x45;
  h[4] = payloadLength >> 8;
  h[5] = payloadLength & 0xff;
  h[6] = nextHeader;
  h[7] = 63;
  h[8] = 0x20;
  h[9] = 0x01;
  h[10] = 0x0d;
  h[11] = 0xb8;
  h[23] = src;
  h[24] = 0x20;
  h[25] = 0x01;
  h[26] = 0x0d;
  h[27] = 0xb8;
  h[39] = dst;
  return h;
}

export function tcpHeader(options: number[] = [], sport = 40000, dport = 443, flags = 0x018): Uint8Array {
  const doff = 5 + Math.ceil(options.length / 4);
  const h = new Uint8Array(doff * 4);
  h[0] = sport >> 8;
  h[1] = sport & 0xff;
  h[2] = dport >> 8;
  h[3] = dport & 0xff;
  h.set([0x11, 0x22, 0x33, 0x44], 4);
  h.set([0x55, 0x66, 0x77, 0x88], 8);
  h[12] = (doff << 4) | ((flags >> 8) & 1);
  h[13] = flags & 0xff;
  h[14] = 0xfa;
  h[15] = 0xf0;
  h[16] = 0xab;
  h[17] = 0xcd;
  h.set(options, 20);
  return h;
}

export function udpHeader(payloadLength: number, sport = 5353, dport = 53): Uint8Array {
  const len = 8 + payloadLength;
  return Uint8Array.of(sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, len >> 8, len & 0xff, 0x12, 0x34);
}

export function icmpEcho(type = 8): Uint8Array {
  return Uint8Array.of(type, 0, 0xf7, 0xff, 0x00, 0x01, 0x00, 0x07);
}

export { concat };

export function rawPacket(data: Uint8Array, timestampNs = 0n): Packet {
  return { timestampNs, capturedLength: data.length, originalLength: data.length, linkType: 101, data };
}

export function ethernetPacket(ip: Uint8Array, etherType = 0x0800, timestampNs = 0n): Packet {
  const data = concat(Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, etherType >> 8, etherType & 0xff), ip);
  return { timestampNs, capturedLength: data.length, originalLength: data.length, linkType: 1, data };
}

/** Bits of a byte array, MSB first. */
export function bitsOf(bytes: Uint8Array | number[]): number[] {
  const out: number[] = [];
  for (const b of bytes) for (let j = 7; j >= 0; j--) out.push((b >> j) & 1);
  return out;
}
