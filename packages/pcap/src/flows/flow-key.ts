import { flowIdOf, type DissectedPacket, type Endpoint } from '@netsynth/core';
import { be16, be32 } from '../bytes.js';
import { PROTO_ICMP, PROTO_ICMPV6 } from '../dissect/transport.js';

/** The endpoints one packet travels between, before direction is decided. */
export interface PacketEndpoints {
  protocol: number;
  src: Endpoint;
  dst: Endpoint;
}

/** Fragment bookkeeping: which datagram a fragment belongs to and whether it is its last. */
export interface FragmentInfo {
  datagram: string;
  first: boolean;
  last: boolean;
}

const ICMP_ECHO = new Set([0, 8]);
const ICMPV6_ECHO = new Set([128, 129]);

/**
 * Endpoints of an IP packet: TCP/UDP ports; for ICMP/ICMPv6 echo request and reply the
 * echo identifier as the port on both sides (so a ping session is one flow); 0 for
 * other ICMP messages, other protocols and fragments whose ports are not in the packet.
 */
export function endpointsOf(dp: DissectedPacket): PacketEndpoints | undefined {
  const ip = dp.ip;
  if (!ip || ip.src === '' || ip.dst === '') return undefined;
  let srcPort = 0;
  let dstPort = 0;
  const t = dp.transport;
  if (t) {
    if (t.kind === 'tcp' || t.kind === 'udp') {
      srcPort = t.srcPort;
      dstPort = t.dstPort;
    } else if ((t.kind === 'icmp' && ICMP_ECHO.has(t.type)) || (t.kind === 'icmpv6' && ICMPV6_ECHO.has(t.type))) {
      srcPort = dstPort = t.restOfHeader >>> 16;
    }
  }
  const protocol = t?.kind === 'icmp' ? PROTO_ICMP : t?.kind === 'icmpv6' ? PROTO_ICMPV6 : ip.protocol;
  return { protocol, src: { address: ip.src, port: srcPort }, dst: { address: ip.dst, port: dstPort } };
}

/**
 * A short string for `endpointsOf(dp)` (pass its result), equal for both directions and
 * equal for two packets exactly when their flowIdOf ids are: a cheap map key, where
 * flowIdOf builds and hashes ~30 characters. Built from the address bytes, which the
 * address text stands for one to one.
 */
export function endpointsKeyOf(dp: DissectedPacket, e: PacketEndpoints): string {
  const ip = dp.ip;
  if (!ip) return flowIdOf(e.protocol, e.src, e.dst);
  const d = dp.packet.data;
  const { protocol } = e;
  return ip.kind === 'ipv4' ? ipv4Key(protocol, d, ip.offset, e.src.port, e.dst.port) : ipv6Key(protocol, d, ip.offset, e.src.port, e.dst.port);
}

/** Protocol, then the smaller (address, port) and the larger, as 16-bit code units. */
function ipv4Key(protocol: number, d: Uint8Array, o: number, srcPort: number, dstPort: number): string {
  const s = be32(d, o + 12);
  const t = be32(d, o + 16);
  if (s < t || (s === t && srcPort <= dstPort)) return String.fromCharCode(protocol, s >>> 16, s & 0xffff, srcPort, t >>> 16, t & 0xffff, dstPort);
  return String.fromCharCode(protocol, t >>> 16, t & 0xffff, dstPort, s >>> 16, s & 0xffff, srcPort);
}

function ipv6Key(protocol: number, d: Uint8Array, o: number, srcPort: number, dstPort: number): string {
  let order = 0;
  for (let i = 8; i < 24 && order === 0; i++) order = (d[o + i] as number) - (d[o + i + 16] as number);
  if (order === 0) order = srcPort - dstPort;
  const [a, pa, b, pb] = order <= 0 ? [o + 8, srcPort, o + 24, dstPort] : [o + 24, dstPort, o + 8, srcPort];
  const units: number[] = [protocol];
  for (let i = 0; i < 16; i += 2) units.push(((d[a + i] as number) << 8) | (d[a + i + 1] as number));
  units.push(pa);
  for (let i = 0; i < 16; i += 2) units.push(((d[b + i] as number) << 8) | (d[b + i + 1] as number));
  units.push(pb);
  return String.fromCharCode(...units);
}

/** Identifies the datagram a fragment belongs to; undefined for unfragmented packets. */
export function fragmentOf(dp: DissectedPacket): FragmentInfo | undefined {
  const ip = dp.ip;
  if (!ip) return undefined;
  if (ip.kind === 'ipv4') {
    if (!ip.moreFragments && ip.fragmentOffset === 0) return undefined;
    return {
      datagram: `4|${ip.src}|${ip.dst}|${ip.protocol}|${ip.identification}`,
      first: ip.fragmentOffset === 0,
      last: !ip.moreFragments,
    };
  }
  const ext = ip.extensions.find((e) => e.type === 44);
  if (!ext) return undefined;
  const d = dp.packet.data;
  if (ext.offset + 8 > d.length) return undefined;
  const word = be16(d, ext.offset + 2);
  return {
    datagram: `6|${ip.src}|${ip.dst}|${be32(d, ext.offset + 4)}`,
    first: (word & 0xfff8) === 0,
    last: (word & 1) === 0,
  };
}
