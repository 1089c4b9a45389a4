import type { DissectedPacket } from '@netsynth/core';
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from './dissect/transport.js';

/**
 * How the snap length cut a packet: 'none' (captured whole), 'payload' (every header is there,
 * bytes after them are not) or 'headers' (a header, or the transport header altogether, is
 * missing — headers-only traces such as CAIDA's, `editcap -s 40`). Fields past the cut are
 * absent, not zero: encoders mark them so, rulesets leave them alone.
 */
export type SnapCut = 'none' | 'payload' | 'headers';

const TRANSPORTS = new Set([PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_ICMPV6]);

export function snapCutOf(dp: DissectedPacket): SnapCut {
  const p = dp.packet;
  if (p.capturedLength >= p.originalLength && p.data.length >= p.originalLength) return 'none';
  if (dp.layers.some((l) => l.truncated)) return 'headers';
  const ip = dp.ip;
  // No IP header read: the cut came at or before it (or the frame is no IP we know).
  if (!ip) return 'headers';
  // The IP header ends exactly at the cut: the transport header it announces is not there.
  if (!ip.isFragment && dp.transport === undefined && TRANSPORTS.has(ip.protocol)) return 'headers';
  return 'payload';
}

/** Packets the snap length cut, and how many of them lost header bytes (reported by inspect, encode and run).
 * A type, not an interface, so it is plain JSON to the manifest's details. */
export type TruncationCounts = {
  /** Captured length < wire length. */
  packets: number;
  /** Of those, packets with a header (or the transport header) cut: fields marked absent when encoded. */
  headers: number;
};

export function emptyTruncationCounts(): TruncationCounts {
  return { packets: 0, headers: 0 };
}

/** Adds one dissected packet to `counts`; returns its cut. */
export function countTruncation(counts: TruncationCounts, dp: DissectedPacket): SnapCut {
  const cut = snapCutOf(dp);
  if (cut !== 'none') counts.packets++;
  if (cut === 'headers') counts.headers++;
  return cut;
}
