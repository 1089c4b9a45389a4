import type { Packet } from '@netsynth/core';
import { ipDatagram } from './dissect.js';

/**
 * The IP length of a packet: the IPv4 total length or 40 + the IPv6 payload length, read from
 * the header, so packets cut by the snap length still count their wire size. An IPv4 total
 * length below the header (0 under TCP segmentation offload) says nothing: the wire bytes count,
 * as Wireshark does. Without a readable IP header: the wire length minus the link header (or
 * the whole frame).
 */
export function ipLength(packet: Packet): number {
  const ip = ipDatagram(packet);
  if (!ip) return packet.originalLength;
  const b = ip.bytes;
  const o = ip.offset;
  const version = (b[o] ?? 0) >> 4;
  if (version === 4 && o + 3 < packet.capturedLength) {
    const total = ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0);
    if (total >= 20) return total;
  }
  if (version === 6 && o + 5 < packet.capturedLength) return 40 + (((b[o + 4] ?? 0) << 8) | (b[o + 5] ?? 0));
  return Math.max(0, packet.originalLength - o);
}
