import { InvalidArgumentError, LinkType, type Packet } from '@netsynth/core';
import { be16 } from '../bytes.js';
import { parseMac } from '../dissect/address.js';
import { ipDatagram } from '../dissect/dissect.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../dissect/link.js';

/**
 * The packet as raw IP (link type 101): the link header is dropped and, when the IP
 * length field says the frame carries trailing padding (short Ethernet frames), the
 * padding too. Throws InvalidArgumentError for a packet without an IP datagram.
 */
export function toRawIp(packet: Packet): Packet {
  if (packet.linkType === LinkType.RAW) return packet;
  const where = ipDatagram(packet);
  if (!where) throw new InvalidArgumentError(`packet of link type ${packet.linkType} carries no IP datagram to convert to raw IP`);
  const d = packet.data;
  const o = where.offset;
  let end = d.length;
  let originalLength = Math.max(0, packet.originalLength - o);
  const version = (d[o] ?? 0) >> 4;
  const declared = version === 4 ? (o + 4 <= d.length ? be16(d, o + 2) : 0) : o + 6 <= d.length ? 40 + be16(d, o + 4) : 0;
  if (declared >= 20 && o + declared < d.length) {
    end = o + declared;
    originalLength = declared;
  } else if (declared >= 20 && declared < originalLength) {
    originalLength = declared;
  }
  const data = d.slice(o, end);
  return { ...packet, linkType: LinkType.RAW, data, capturedLength: data.length, originalLength };
}

export interface EthernetAddresses {
  /** Source MAC, `aa:bb:cc:dd:ee:ff` (default 02:00:00:00:00:01, a locally administered address). */
  src?: string;
  /** Destination MAC (default 02:00:00:00:00:02). */
  dst?: string;
}

const DEFAULT_SRC = '02:00:00:00:00:01';
const DEFAULT_DST = '02:00:00:00:00:02';

/**
 * The packet as Ethernet II: the IP datagram behind a new 14-byte header whose EtherType
 * follows the IP version. Ethernet packets come back unchanged. Throws InvalidArgumentError
 * for a packet without an IP datagram or a malformed MAC.
 */
export function toEthernet(packet: Packet, macs: EthernetAddresses = {}): Packet {
  if (packet.linkType === LinkType.ETHERNET) return packet;
  const src = parseMac(macs.src ?? DEFAULT_SRC);
  const dst = parseMac(macs.dst ?? DEFAULT_DST);
  if (!src) throw new InvalidArgumentError(`not a MAC address: ${macs.src ?? ''}`);
  if (!dst) throw new InvalidArgumentError(`not a MAC address: ${macs.dst ?? ''}`);
  const where = ipDatagram(packet);
  if (!where) throw new InvalidArgumentError(`packet of link type ${packet.linkType} carries no IP datagram to convert to Ethernet`);
  const ip = packet.data.subarray(where.offset);
  const etherType = (ip[0] ?? 0) >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  const data = new Uint8Array(14 + ip.length);
  data.set(dst, 0);
  data.set(src, 6);
  data[12] = etherType >> 8;
  data[13] = etherType & 0xff;
  data.set(ip, 14);
  const originalLength = Math.max(0, packet.originalLength - where.offset) + 14;
  return { ...packet, linkType: LinkType.ETHERNET, data, capturedLength: data.length, originalLength };
}
