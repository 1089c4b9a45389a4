/**
 * Checksum verdicts that tell real-capture artefacts apart from damage:
 *
 * - `ok`: verifies (0x0000 and 0xffff are the same one's-complement zero, RFC 1624).
 * - `offloaded`: the sender left the sum to its NIC. Linux stores the folded pseudo-header
 *   sum in the TCP/UDP field (CHECKSUM_PARTIAL) and 0 in the IPv4 header field, and a capture
 *   taken on that host shows exactly these values. A random flip almost never produces them.
 * - `absent`: UDP over IPv4 with checksum 0 ("not computed", RFC 768).
 * - `unverifiable`: the bytes it covers were not all captured (snap length), the datagram is a
 *   fragment (the sum covers the reassembled datagram), or a length field is unusable.
 * - `bad`: anything else.
 */
import { internetChecksum, ipv4HeaderChecksum } from '@netsynth/pcap';
import { be16 } from './bits.js';
import { ipEnd, isFragment, type PacketView } from './view.js';

export type ChecksumState = 'ok' | 'bad' | 'offloaded' | 'absent' | 'unverifiable';

export interface ChecksumVerdict {
  state: ChecksumState;
  stored: number;
  /** The correct value, when it can be computed. */
  expected?: number;
}

/** Unfolded one's-complement sum of big-endian words of `bytes[start, end)`. */
export function onesSum(bytes: Uint8Array, start: number, end: number, acc = 0): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (i < end) sum += (bytes[i] ?? 0) << 8;
  return sum;
}

export function fold16(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

export function ipv4HeaderVerdict(view: PacketView): ChecksumVerdict | undefined {
  const ip = view.ipv4;
  const o = view.ipOffset;
  if (!ip || o === undefined) return undefined;
  const d = view.packet.data;
  const stored = ip.checksum;
  if (ip.ihl < 5 || o + ip.ihl * 4 > d.length) return { state: 'unverifiable', stored };
  const expected = ipv4HeaderChecksum(d, o);
  if (internetChecksum(d, o, o + ip.ihl * 4) === 0) return { state: 'ok', stored, expected };
  if (stored === 0) return { state: 'offloaded', stored, expected };
  return { state: 'bad', stored, expected };
}

/** What a transport checksum covers, located from the dissection. */
export interface TransportSpan {
  protocol: 'tcp' | 'udp' | 'icmp' | 'icmpv6';
  /** Offset of the transport header in packet.data. */
  start: number;
  /** Declared end of what the checksum covers (may lie past the captured bytes). */
  end: number;
  /** Offset of the checksum field. */
  field: number;
  /** Unfolded pseudo-header sum (0 for ICMPv4, which has none). */
  pseudo: number;
  /** The pseudo-header sum without the length: what Linux leaves on TSO/GSO super-segments. */
  pseudoNoLength: number;
  ipv4: boolean;
}

export function transportSpan(view: PacketView): TransportSpan | undefined {
  const t = view.dp.transport;
  const o = view.ipOffset;
  const ip = view.ipv4 ?? view.ipv6;
  if (!t || o === undefined || !ip) return undefined;
  const ipEndOffset = ipEnd(view);
  if (ipEndOffset === undefined || ipEndOffset < t.offset) return undefined;
  const d = view.packet.data;
  let end = ipEndOffset;
  if (t.kind === 'udp' && t.length >= 8 && t.offset + t.length <= ipEndOffset) end = t.offset + t.length;
  const length = end - t.offset;
  const field = t.offset + (t.kind === 'tcp' ? 16 : t.kind === 'udp' ? 6 : 2);
  const protoNumber = t.kind === 'tcp' ? 6 : t.kind === 'udp' ? 17 : t.kind === 'icmp' ? 1 : 58;
  let pseudo = 0;
  let pseudoNoLength = 0;
  if (view.ipv4) {
    if (t.kind !== 'icmp') {
      pseudoNoLength = onesSum(d, o + 12, o + 20, protoNumber);
      pseudo = pseudoNoLength + length;
    }
  } else {
    pseudoNoLength = onesSum(d, o + 8, o + 40, protoNumber);
    pseudo = pseudoNoLength + Math.floor(length / 0x10000) + (length & 0xffff);
  }
  return { protocol: t.kind, start: t.offset, end, field, pseudo, pseudoNoLength, ipv4: view.ipv4 !== undefined };
}

/** The checksum the span should carry, computed over `data` (which must hold the whole span). */
export function computeTransportChecksum(data: Uint8Array, span: TransportSpan): number {
  const partial = onesSum(data, span.start, span.field, span.pseudo);
  const value = internetChecksum(data, span.field + 2, span.end, partial);
  return span.protocol === 'udp' && value === 0 ? 0xffff : value;
}

/** Whether `stored` is what a sender that offloaded the checksum leaves in the field. */
export function isOffloadedPartial(span: TransportSpan, stored: number): boolean {
  if (span.protocol !== 'tcp' && span.protocol !== 'udp') return false;
  return stored === fold16(span.pseudo) || stored === fold16(span.pseudoNoLength);
}

export function transportVerdict(view: PacketView): ChecksumVerdict | undefined {
  const t = view.dp.transport;
  if (!t) return undefined;
  const stored = t.checksum;
  const span = transportSpan(view);
  const d = view.packet.data;
  if (!span || isFragment(view) || span.field + 2 > d.length) return { state: 'unverifiable', stored };
  if (span.protocol === 'udp' && span.ipv4 && stored === 0) return { state: 'absent', stored };
  if (span.end > d.length) {
    if (isOffloadedPartial(span, stored)) return { state: 'offloaded', stored };
    return { state: 'unverifiable', stored };
  }
  const expected = computeTransportChecksum(d, span);
  if (internetChecksum(d, span.start, span.end, span.pseudo) === 0) return { state: 'ok', stored, expected };
  if (isOffloadedPartial(span, stored)) return { state: 'offloaded', stored, expected };
  return { state: 'bad', stored, expected };
}

/** Reads the stored 16-bit checksum at a span's field. */
export function storedChecksum(data: Uint8Array, span: TransportSpan): number {
  return be16(data, span.field);
}
