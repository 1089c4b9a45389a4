import { formatIpv4, formatIpv6 } from './address-text.js';
import { writeByteBits } from './bits.js';
import type { NprintLayout } from './layout.js';

/** Why a packet gets no row. nprint skips the same packets (see the README for each). */
export type SkipCode = 'not-ip' | 'ipv4-bad-ihl' | 'ipv4-protocol' | 'ipv6-next-header' | 'tcp-bad-offset';

/**
 * `truncated`: the captured bytes end inside a header (a snap length shorter than the headers,
 * as in headers-only traces): the row holds what was captured and -1 for the rest.
 */
export type IpBitsResult = { ok: true; srcIp: string; dstIp: string; truncated: boolean } | { ok: false; code: SkipCode; message: string };

const TCP = 6;
const UDP = 17;
const ICMP = 1;

const skip = (code: SkipCode, message: string): IpBitsResult => ({ ok: false, code, message });

/** The IP header as far as it was captured; protocol undefined when its byte was not. */
interface IpPart {
  headerLength: number;
  protocol: number | undefined;
  declaredEnd: number;
  hasTransport: boolean;
  srcIp: string;
  dstIp: string;
}

function ipv4Part(ip: Uint8Array, layout: NprintLayout, out: Int8Array, outOffset: number): IpPart | IpBitsResult {
  const ihl = (ip[0] as number) & 0x0f;
  if (ihl < 5) return skip('ipv4-bad-ihl', `IPv4 IHL ${ihl} < 5`);
  const protocol = ip.length > 9 ? (ip[9] as number) : undefined;
  if (protocol !== undefined && protocol !== TCP && protocol !== UDP && protocol !== ICMP) {
    return skip('ipv4-protocol', `IPv4 protocol ${protocol} is not TCP, UDP or ICMP`);
  }
  const headerLength = ihl * 4;
  const block = layout.block('ipv4');
  if (block) writeByteBits(ip, 0, Math.min(headerLength, ip.length), out, outOffset + block.start);
  return {
    headerLength,
    protocol,
    // Fragment offset and total length: a non-captured field means no transport / no payload.
    hasTransport: ip.length > 7 && ((((ip[6] as number) & 0x1f) << 8) | (ip[7] as number)) === 0,
    declaredEnd: ip.length > 3 ? ((ip[2] as number) << 8) | (ip[3] as number) : 0,
    srcIp: ip.length >= 16 ? formatIpv4(ip, 12) : '',
    dstIp: ip.length >= 20 ? formatIpv4(ip, 16) : '',
  };
}

function ipv6Part(ip: Uint8Array, layout: NprintLayout, out: Int8Array, outOffset: number): IpPart | IpBitsResult {
  const protocol = ip.length > 6 ? (ip[6] as number) : undefined;
  if (protocol !== undefined && protocol !== TCP && protocol !== UDP && protocol !== ICMP) {
    return skip('ipv6-next-header', `IPv6 next header ${protocol} is not TCP, UDP or ICMP (extension headers and ICMPv6 are not represented)`);
  }
  const block = layout.block('ipv6');
  if (block) writeByteBits(ip, 0, Math.min(40, ip.length), out, outOffset + block.start);
  return {
    headerLength: 40,
    protocol,
    hasTransport: true,
    declaredEnd: ip.length > 5 ? 40 + (((ip[4] as number) << 8) | (ip[5] as number)) : 0,
    srcIp: ip.length >= 24 ? formatIpv6(ip, 8) : '',
    dstIp: ip.length >= 40 ? formatIpv6(ip, 24) : '',
  };
}

/** Writes the transport header's captured bits; returns its declared length, or a skip. */
function transportPart(ip: Uint8Array, part: IpPart, layout: NprintLayout, out: Int8Array, outOffset: number): number | IpBitsResult {
  const t = part.headerLength;
  if (!part.hasTransport || part.protocol === undefined || ip.length <= t) return 0;
  let length = 8;
  if (part.protocol === TCP) {
    const dataOffset = ip.length > t + 12 ? (ip[t + 12] as number) >> 4 : 5;
    if (dataOffset < 5) return skip('tcp-bad-offset', `TCP data offset ${dataOffset} < 5`);
    length = dataOffset * 4;
  }
  const key = part.protocol === TCP ? 'tcp' : part.protocol === UDP ? 'udp' : 'icmp';
  const block = layout.block(key);
  if (block) writeByteBits(ip, t, Math.min(length, ip.length - t), out, outOffset + block.start);
  return length;
}

/**
 * Writes the nPrint bits of one IP datagram into `out[outOffset, outOffset + columns)`.
 * `ip` holds the captured bytes from the first byte of the IP header on.
 *
 * As nprint: each chosen header's bytes are written most significant bit first up to the
 * length the header declares (IHL, TCP data offset; 40/8/8 bytes for IPv6/UDP/ICMP), the
 * rest of its block is -1, absent headers are all -1; IPv4 must carry TCP, UDP or ICMP and
 * IPv6 only its fixed header with next header 6/17/1. Unlike nprint, nothing is read past
 * the captured bytes: a header cut by the snap length keeps its captured bits and is -1
 * from the cut on (`truncated`, the row is kept), a cut payload is -1 where it was not
 * captured, and a non-first IPv4 fragment gets its IP header only (nprint would read its
 * payload as a transport header).
 */
export function ipDatagramToBits(ip: Uint8Array, layout: NprintLayout, out: Int8Array, outOffset = 0): IpBitsResult {
  out.fill(-1, outOffset, outOffset + layout.columns.length);
  if (ip.length < 1) return skip('not-ip', 'no IP bytes');
  const version = (ip[0] as number) >> 4;
  if (version !== 4 && version !== 6) return skip('not-ip', `IP version ${version}`);
  const part = version === 4 ? ipv4Part(ip, layout, out, outOffset) : ipv6Part(ip, layout, out, outOffset);
  if ('ok' in part) {
    out.fill(-1, outOffset, outOffset + layout.columns.length);
    return part;
  }
  const transportLength = transportPart(ip, part, layout, out, outOffset);
  if (typeof transportLength !== 'number') {
    out.fill(-1, outOffset, outOffset + layout.columns.length);
    return transportLength;
  }
  const headersEnd = part.headerLength + transportLength;
  const transportExpected = part.hasTransport && part.protocol !== undefined;
  const truncated =
    ip.length < part.headerLength ||
    part.protocol === undefined ||
    (transportExpected && ip.length < headersEnd) ||
    (transportExpected && transportLength === 0);
  const payloadBlock = layout.block('payload');
  if (payloadBlock && !truncated) {
    const available = Math.min(part.declaredEnd, ip.length) - headersEnd;
    const n = Math.max(0, Math.min(available, payloadBlock.bits / 8));
    if (n > 0) writeByteBits(ip, headersEnd, n, out, outOffset + payloadBlock.start);
  }
  return { ok: true, srcIp: part.srcIp, dstIp: part.dstIp, truncated };
}
