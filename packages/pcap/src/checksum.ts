import type { Packet } from '@netsynth/core';
import { be16, setBe16 } from './bytes.js';
import { dissectIpv4, dissectIpv6 } from './dissect/ip.js';
import { ipDatagram } from './dissect/dissect.js';
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from './dissect/transport.js';

/** Unfolded one's-complement sum of big-endian 16-bit words in [start, end), added to `acc`. */
function sum16(bytes: Uint8Array, start: number, end: number, acc: number): number {
  let sum = acc;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
    // Fold now and then so the sum never leaves the exact-integer range.
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (i < end) sum += (bytes[i] ?? 0) << 8;
  return sum;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/**
 * RFC 1071 Internet checksum of `bytes[start, end)`: the one's complement of the one's
 * complement sum. `initial` is a partial (unfolded) sum to continue from, e.g. a pseudo-header.
 */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~fold(sum16(bytes, start, end, initial)) & 0xffff;
}

/** The correct header checksum of the IPv4 header at `offset` (its checksum field counted as zero). */
export function ipv4HeaderChecksum(ipBytes: Uint8Array, offset = 0): number {
  const headerLength = ((ipBytes[offset] ?? 0) & 0x0f) * 4;
  const end = Math.min(offset + headerLength, ipBytes.length);
  const partial = sum16(ipBytes, offset, offset + 10, 0);
  return internetChecksum(ipBytes, offset + 12, end, partial);
}

/** Where a transport checksum lives and what it covers. */
interface TransportSpan {
  protocol: number;
  start: number;
  end: number;
  /** Offset of the 16-bit checksum field. */
  field: number;
  pseudo: number;
  /** UDP: a computed 0 is sent as 0xffff (0 means "no checksum"). */
  udp: boolean;
  ipv4: boolean;
}

export type TransportChecksumStatus = 'ok' | 'truncated' | 'fragment' | 'unsupported';

function transportSpan(bytes: Uint8Array, ipOffset: number): { span?: TransportSpan; status: TransportChecksumStatus } {
  const problems: string[] = [];
  const version = (bytes[ipOffset] ?? 0) >> 4;
  if (version === 4) {
    const r = dissectIpv4(bytes, ipOffset, problems);
    const ip = r.layer;
    if (ip.isFragment || ip.moreFragments) return { status: 'fragment' };
    if (ip.truncated) return { status: 'truncated' };
    if (r.upperOffset === undefined) return { status: 'unsupported' };
    const t = r.upperOffset;
    if (r.declaredEnd > bytes.length) return { status: 'truncated' };
    const end = r.declaredEnd;
    const proto = ip.protocol;
    const field = fieldOffset(proto);
    if (field === undefined) return { status: 'unsupported' };
    if (t + field + 2 > end) return { status: 'truncated' };
    const length = end - t;
    let pseudo = 0;
    if (proto !== PROTO_ICMP) pseudo = sum16(bytes, ipOffset + 12, ipOffset + 20, proto + length);
    return { status: 'ok', span: { protocol: proto, start: t, end, field: t + field, pseudo, udp: proto === PROTO_UDP, ipv4: true } };
  }
  if (version === 6) {
    const r = dissectIpv6(bytes, ipOffset, problems);
    const ip = r.layer;
    if (ip.extensions.some((e) => e.type === 44)) return { status: 'fragment' };
    if (ip.truncated) return { status: 'truncated' };
    if (r.upperOffset === undefined) return { status: 'unsupported' };
    if (r.declaredEnd > bytes.length) return { status: 'truncated' };
    const t = r.upperOffset;
    const end = r.declaredEnd;
    const proto = ip.protocol;
    const field = fieldOffset(proto);
    if (field === undefined || proto === PROTO_ICMP) return { status: 'unsupported' };
    if (t + field + 2 > end) return { status: 'truncated' };
    const length = end - t;
    const pseudo = sum16(bytes, ipOffset + 8, ipOffset + 40, (length >>> 16) + (length & 0xffff) + proto);
    return { status: 'ok', span: { protocol: proto, start: t, end, field: t + field, pseudo, udp: proto === PROTO_UDP, ipv4: false } };
  }
  return { status: 'unsupported' };
}

function fieldOffset(protocol: number): number | undefined {
  if (protocol === PROTO_TCP) return 16;
  if (protocol === PROTO_UDP) return 6;
  if (protocol === PROTO_ICMP || protocol === PROTO_ICMPV6) return 2;
  return undefined;
}

function computeSpan(bytes: Uint8Array, s: TransportSpan): number {
  const partial = sum16(bytes, s.start, s.field, s.pseudo);
  const value = internetChecksum(bytes, s.field + 2, s.end, partial);
  return s.udp && value === 0 ? 0xffff : value;
}

/**
 * The correct TCP, UDP, ICMP or ICMPv6 checksum for the IP datagram at `ipOffset`
 * (its checksum field counted as zero). Undefined when it cannot be computed: the
 * datagram is cut short, is a fragment (the checksum covers the reassembled datagram),
 * or carries another protocol. IPv6 routing headers are not followed for the pseudo-header.
 */
export function transportChecksum(bytes: Uint8Array, ipOffset = 0): number | undefined {
  const { span } = transportSpan(bytes, ipOffset);
  return span ? computeSpan(bytes, span) : undefined;
}

export interface ChecksumRecomputation {
  packet: Packet;
  /** True when an IPv4 header checksum was written. */
  ipv4: boolean;
  /**
   * 'ok': the transport checksum was written; 'truncated': the datagram is cut short so
   * its checksum was left as it was; 'fragment': likewise for fragments; 'unsupported':
   * no TCP/UDP/ICMP/ICMPv6 header.
   */
  transport: TransportChecksumStatus;
}

/** Like `recomputeChecksums`, also saying what it could and could not fix. */
export function recomputeChecksumsDetailed(packet: Packet): ChecksumRecomputation {
  const data = packet.data.slice();
  const out: Packet = { ...packet, data };
  const where = ipDatagram(out);
  if (!where) return { packet: out, ipv4: false, transport: 'unsupported' };
  const o = where.offset;
  let ipv4 = false;
  if ((data[o] ?? 0) >> 4 === 4) {
    const headerLength = ((data[o] ?? 0) & 0x0f) * 4;
    if (headerLength >= 20 && o + headerLength <= data.length) {
      setBe16(data, o + 10, ipv4HeaderChecksum(data, o));
      ipv4 = true;
    }
  }
  const { span, status } = transportSpan(data, o);
  if (span) setBe16(data, span.field, computeSpan(data, span));
  return { packet: out, ipv4, transport: status };
}

/**
 * A new packet with correct IPv4 header, TCP, UDP (IPv4 and IPv6), ICMP and ICMPv6
 * checksums. Transport checksums of truncated datagrams and fragments are left as they
 * were (they cannot be computed from what is captured); use `recomputeChecksumsDetailed`
 * to learn which case applied.
 */
export function recomputeChecksums(packet: Packet): Packet {
  return recomputeChecksumsDetailed(packet).packet;
}

export interface ChecksumVerdict {
  /** IPv4 header checksum correct (absent for IPv6, non-IP or a cut header). */
  ipv4?: boolean;
  /** Transport checksum correct (absent when it cannot be checked). UDP/IPv4 checksum 0 counts as correct. */
  transport?: boolean;
}

export function verifyChecksums(packet: Packet): ChecksumVerdict {
  const where = ipDatagram(packet);
  if (!where) return {};
  const d = packet.data;
  const o = where.offset;
  const verdict: ChecksumVerdict = {};
  if ((d[o] ?? 0) >> 4 === 4) {
    const headerLength = ((d[o] ?? 0) & 0x0f) * 4;
    if (headerLength >= 20 && o + headerLength <= d.length) verdict.ipv4 = internetChecksum(d, o, o + headerLength) === 0;
  }
  const { span } = transportSpan(d, o);
  if (span) {
    if (span.udp && span.ipv4 && be16(d, span.field) === 0) verdict.transport = true;
    else verdict.transport = internetChecksum(d, span.start, span.end, span.pseudo) === 0;
  }
  return verdict;
}
