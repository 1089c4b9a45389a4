import { formatIpv4, formatIpv6 } from './address-text.js';
import { writeByteBits } from './bits.js';
import type { NprintLayout } from './layout.js';

/** Why a packet gets no row. nprint skips the same packets (see the README for each). */
export type SkipCode = 'not-ip' | 'truncated' | 'ipv4-bad-ihl' | 'ipv4-protocol' | 'ipv6-next-header' | 'tcp-bad-offset';

export type IpBitsResult = { ok: true; srcIp: string; dstIp: string } | { ok: false; code: SkipCode; message: string };

const TCP = 6;
const UDP = 17;
const ICMP = 1;

const skip = (code: SkipCode, message: string): IpBitsResult => ({ ok: false, code, message });

/**
 * Writes the nPrint bits of one IP datagram into `out[outOffset, outOffset + columns)`.
 * `ip` holds the captured bytes from the first byte of the IP header on.
 *
 * As nprint: each chosen header's bytes are written most significant bit first up to the
 * length the header declares (IHL, TCP data offset; 40/8/8 bytes for IPv6/UDP/ICMP), the
 * rest of its block is -1, absent headers are all -1; IPv4 must carry TCP, UDP or ICMP and
 * IPv6 only its fixed header with next header 6/17/1. Unlike nprint, nothing is read past
 * the captured bytes (a header cut by the snap length skips the packet, a cut payload is
 * -1 where it was not captured) and a non-first IPv4 fragment gets its IP header only
 * (nprint would read its payload as a transport header).
 */
export function ipDatagramToBits(ip: Uint8Array, layout: NprintLayout, out: Int8Array, outOffset = 0): IpBitsResult {
  const width = layout.columns.length;
  out.fill(-1, outOffset, outOffset + width);
  if (ip.length < 1) return skip('not-ip', 'no IP bytes');
  const version = (ip[0] as number) >> 4;
  let ipHeaderLength: number;
  let protocol: number;
  let declaredEnd: number;
  let hasTransport = true;
  let srcIp: string;
  let dstIp: string;
  if (version === 4) {
    if (ip.length < 20) return skip('truncated', `IPv4 header cut at ${ip.length} bytes`);
    const ihl = (ip[0] as number) & 0x0f;
    if (ihl < 5) return skip('ipv4-bad-ihl', `IPv4 IHL ${ihl} < 5`);
    ipHeaderLength = ihl * 4;
    if (ip.length < ipHeaderLength) return skip('truncated', `IPv4 header of ${ipHeaderLength} bytes cut at ${ip.length}`);
    protocol = ip[9] as number;
    if (protocol !== TCP && protocol !== UDP && protocol !== ICMP) {
      return skip('ipv4-protocol', `IPv4 protocol ${protocol} is not TCP, UDP or ICMP`);
    }
    const fragmentOffset = (((ip[6] as number) & 0x1f) << 8) | (ip[7] as number);
    hasTransport = fragmentOffset === 0;
    declaredEnd = ((ip[2] as number) << 8) | (ip[3] as number);
    srcIp = formatIpv4(ip, 12);
    dstIp = formatIpv4(ip, 16);
    const block = layout.block('ipv4');
    if (block) writeByteBits(ip, 0, ipHeaderLength, out, outOffset + block.start);
  } else if (version === 6) {
    if (ip.length < 40) return skip('truncated', `IPv6 header cut at ${ip.length} bytes`);
    ipHeaderLength = 40;
    protocol = ip[6] as number;
    if (protocol !== TCP && protocol !== UDP && protocol !== ICMP) {
      return skip('ipv6-next-header', `IPv6 next header ${protocol} is not TCP, UDP or ICMP (extension headers and ICMPv6 are not represented)`);
    }
    declaredEnd = 40 + (((ip[4] as number) << 8) | (ip[5] as number));
    srcIp = formatIpv6(ip, 8);
    dstIp = formatIpv6(ip, 24);
    const block = layout.block('ipv6');
    if (block) writeByteBits(ip, 0, 40, out, outOffset + block.start);
  } else {
    return skip('not-ip', `IP version ${version}`);
  }

  let transportLength = 0;
  if (hasTransport) {
    const t = ipHeaderLength;
    if (protocol === TCP) {
      if (ip.length < t + 20) return skip('truncated', `TCP header cut at ${ip.length - t} bytes`);
      const dataOffset = (ip[t + 12] as number) >> 4;
      if (dataOffset < 5) return skip('tcp-bad-offset', `TCP data offset ${dataOffset} < 5`);
      transportLength = dataOffset * 4;
      if (ip.length < t + transportLength) return skip('truncated', `TCP header of ${transportLength} bytes cut at ${ip.length - t}`);
    } else {
      transportLength = 8;
      if (ip.length < t + 8) return skip('truncated', `${protocol === UDP ? 'UDP' : 'ICMP'} header cut at ${ip.length - t} bytes`);
    }
    const key = protocol === TCP ? 'tcp' : protocol === UDP ? 'udp' : 'icmp';
    const block = layout.block(key);
    if (block) writeByteBits(ip, t, transportLength, out, outOffset + block.start);
  }

  const payloadBlock = layout.block('payload');
  if (payloadBlock) {
    const payloadStart = ipHeaderLength + transportLength;
    const available = Math.min(declaredEnd, ip.length) - payloadStart;
    const n = Math.max(0, Math.min(available, payloadBlock.bits / 8));
    if (n > 0) writeByteBits(ip, payloadStart, n, out, outOffset + payloadBlock.start);
  }
  return { ok: true, srcIp, dstIp };
}
