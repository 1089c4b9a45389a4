import { LinkType, type Packet } from '@netsynth/core';

/** Finds the IP header in a captured frame: the bytes from it to the end of the capture, or null. */
export type IpLocator = (packet: Packet) => Uint8Array | null;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

const isIpEthertype = (t: number): boolean => t === ETHERTYPE_IPV4 || t === ETHERTYPE_IPV6;
const be16 = (d: Uint8Array, o: number): number => (((d[o] ?? 0) << 8) | (d[o + 1] ?? 0)) >>> 0;

/**
 * Where nprint finds the IP header. nprint looks at bytes 12–13 of every frame: an IPv4 or
 * IPv6 ethertype means Ethernet (IP at byte 14), anything else is read as raw IP from
 * byte 0; Linux cooked frames first lose their 16-byte header. On Ethernet captures that
 * means VLAN-tagged frames, ARP and other ethertypes get no row, which this keeps.
 * What it does not keep is the sniff on captures that are raw IP already: there bytes
 * 12–13 are the IPv4 checksum, and nprint misreads a packet whose checksum happens to be
 * 0x0800 or 0x86DD as Ethernet; here the link type decides.
 */
export function ipBytesForNprint(packet: Packet): Uint8Array | null {
  const d = packet.data.subarray(0, packet.capturedLength);
  switch (packet.linkType) {
    case LinkType.ETHERNET:
      return d.length >= 14 && isIpEthertype(be16(d, 12)) ? d.subarray(14) : null;
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return d;
    case LinkType.LINUX_SLL:
      return d.length >= 16 && isIpEthertype(be16(d, 14)) ? d.subarray(16) : null;
    case LinkType.LINUX_SLL2:
      return d.length >= 20 && isIpEthertype(be16(d, 0)) ? d.subarray(20) : null;
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (d.length < 4) return null;
      // NULL stores the address family in host order, LOOP in network order: accept either.
      const le = ((d[0] ?? 0) | ((d[1] ?? 0) << 8) | ((d[2] ?? 0) << 16) | ((d[3] ?? 0) << 24)) >>> 0;
      const bigEnd = ((be16(d, 0) << 16) | be16(d, 2)) >>> 0;
      const isIpFamily = (f: number): boolean => f === 2 || f === 24 || f === 28 || f === 30;
      return isIpFamily(le) || isIpFamily(bigEnd) ? d.subarray(4) : null;
    }
    default:
      return null;
  }
}
