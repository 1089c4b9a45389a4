/**
 * A packet together with its dissection and the lengths every ruleset keeps asking for:
 * where the IP datagram starts, how many of its bytes were on the wire and how many were
 * captured, where the datagram ends as declared. Dissection itself is @netsynth/pcap's.
 */
import { LinkType, type DissectedPacket, type IcmpLayer, type Ipv4Layer, type Ipv6Layer, type Packet, type TcpLayer, type UdpLayer } from '@netsynth/core';
import { dissect } from '@netsynth/pcap';

export interface PacketView {
  /** Index of the packet inside the checked sequence. */
  index: number;
  packet: Packet;
  dp: DissectedPacket;
  /** Offset of the IP header in packet.data (IPv4 or IPv6, or a raw-IP packet whose version nibble is wrong). */
  ipOffset?: number;
  ipv4?: Ipv4Layer;
  ipv6?: Ipv6Layer;
  tcp?: TcpLayer;
  udp?: UdpLayer;
  icmp?: IcmpLayer;
  /** Bytes of the IP datagram on the wire (original frame length minus link header); link padding included. */
  wireIpLength: number;
  /** Bytes of the IP datagram present in packet.data. */
  capturedIpLength: number;
  /** True when the snap length cut the frame (capturedLength < originalLength). */
  cut: boolean;
  /** A raw-IP link packet whose version nibble is neither 4 nor 6: the IPv4 ruleset owns it. */
  badRawVersion: boolean;
}

const RAW_LINKS = new Set<number>([LinkType.RAW, LinkType.RAW_BSD, LinkType.RAW_OPENBSD, LinkType.IPV4]);

export function isRawIpLink(linkType: number): boolean {
  return RAW_LINKS.has(linkType) || linkType === LinkType.IPV6;
}

export function viewOf(packet: Packet, index: number): PacketView {
  const dp = dissect(packet);
  const ip = dp.ip;
  let ipOffset = dp.networkOffset;
  let badRawVersion = false;
  if (ip === undefined && RAW_LINKS.has(packet.linkType) && packet.data.length > 0) {
    ipOffset = 0;
    badRawVersion = true;
  }
  const linkHeader = ipOffset ?? 0;
  const view: PacketView = {
    index,
    packet,
    dp,
    wireIpLength: ipOffset === undefined ? 0 : Math.max(0, packet.originalLength - linkHeader),
    capturedIpLength: ipOffset === undefined ? 0 : Math.max(0, packet.data.length - linkHeader),
    cut: packet.capturedLength < packet.originalLength,
    badRawVersion,
  };
  if (ipOffset !== undefined) view.ipOffset = ipOffset;
  if (ip?.kind === 'ipv4') view.ipv4 = ip;
  if (ip?.kind === 'ipv6') view.ipv6 = ip;
  const t = dp.transport;
  if (t?.kind === 'tcp') view.tcp = t;
  else if (t?.kind === 'udp') view.udp = t;
  else if (t) view.icmp = t;
  return view;
}

export function viewsOf(packets: readonly Packet[]): PacketView[] {
  return packets.map((p, i) => viewOf(p, i));
}

/** Declared end (offset in packet.data) of the IP datagram, or undefined when the length field is unusable. */
export function ipEnd(view: PacketView): number | undefined {
  if (view.ipOffset === undefined) return undefined;
  if (view.ipv4) {
    if (view.ipv4.ihl < 5 || view.ipv4.totalLength < view.ipv4.ihl * 4) return undefined;
    return view.ipOffset + view.ipv4.totalLength;
  }
  if (view.ipv6) {
    if (view.ipv6.payloadLength === 0) return undefined;
    return view.ipOffset + 40 + view.ipv6.payloadLength;
  }
  return undefined;
}

/** Bytes from the transport header to the declared end of the IP datagram. */
export function segmentLength(view: PacketView): number | undefined {
  const end = ipEnd(view);
  const t = view.dp.transport;
  if (end === undefined || !t) return undefined;
  return end - t.offset;
}

/** True when the datagram is a fragment (IPv4 MF or offset, IPv6 fragment header). */
export function isFragment(view: PacketView): boolean {
  if (view.ipv4) return view.ipv4.moreFragments || view.ipv4.fragmentOffset > 0;
  if (view.ipv6) return view.ipv6.extensions.some((e) => e.type === 44);
  return false;
}

/** Payload bytes of a TCP segment as declared (IP end minus TCP header end). */
export function tcpPayloadLength(view: PacketView): number {
  const seg = segmentLength(view);
  if (!view.tcp || seg === undefined) return 0;
  return Math.max(0, seg - view.tcp.dataOffset * 4);
}

/** The IP source and destination as text ('' when absent). */
export function addressesOf(view: PacketView): { src: string; dst: string } {
  const ip = view.ipv4 ?? view.ipv6;
  return { src: ip?.src ?? '', dst: ip?.dst ?? '' };
}
