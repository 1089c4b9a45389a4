import type { IcmpLayer, TcpFlags, TcpLayer, TcpOption, UdpLayer } from '@netsynth/core';
import { EMPTY_BYTES, be16, be32 } from '../bytes.js';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

export interface TransportResult {
  layer: TcpLayer | UdpLayer | IcmpLayer;
  /** Declared payload; undefined when the header is too broken to say. */
  payloadOffset?: number;
  payloadLength?: number;
}

/** Dissects the upper-layer header at `t`; `end` is the declared end of the IP datagram. */
export function dissectTransport(d: Uint8Array, protocol: number, t: number, end: number, problems: string[]): TransportResult | undefined {
  switch (protocol) {
    case PROTO_TCP:
      return tcp(d, t, end, problems);
    case PROTO_UDP:
      return udp(d, t, end, problems);
    case PROTO_ICMP:
      return icmp(d, t, end, 'icmp', problems);
    case PROTO_ICMPV6:
      return icmp(d, t, end, 'icmpv6', problems);
    default:
      return undefined;
  }
}

/** One frozen TcpFlags per 9-bit value: every TCP packet needs one, none needs its own. */
const FLAGS = Array.from({ length: 512 }, (_, v) => Object.freeze(buildFlags(v)));

/** The flags of a 9-bit TCP flags value (a shared, frozen object). */
export function tcpFlagsOf(value: number): TcpFlags {
  return FLAGS[value & 0x1ff] ?? buildFlags(value);
}

function buildFlags(value: number): TcpFlags {
  return {
    ns: (value & 0x100) !== 0,
    cwr: (value & 0x80) !== 0,
    ece: (value & 0x40) !== 0,
    urg: (value & 0x20) !== 0,
    ack: (value & 0x10) !== 0,
    psh: (value & 0x08) !== 0,
    rst: (value & 0x04) !== 0,
    syn: (value & 0x02) !== 0,
    fin: (value & 0x01) !== 0,
    value,
  };
}

function tcp(d: Uint8Array, t: number, end: number, problems: string[]): TransportResult {
  const avail = d.length - t;
  const b12 = d[t + 12] ?? 0;
  const dataOffset = b12 >> 4;
  const headerLength = dataOffset * 4;
  const flagValue = ((b12 & 1) << 8) | (d[t + 13] ?? 0);
  const layer: TcpLayer = {
    kind: 'tcp',
    offset: t,
    headerLength,
    truncated: avail < Math.max(20, headerLength),
    srcPort: avail >= 2 ? be16(d, t) : 0,
    dstPort: avail >= 4 ? be16(d, t + 2) : 0,
    seq: avail >= 8 ? be32(d, t + 4) : 0,
    ack: avail >= 12 ? be32(d, t + 8) : 0,
    dataOffset,
    reserved: (b12 >> 1) & 0x7,
    flags: tcpFlagsOf(avail >= 14 ? flagValue : 0),
    window: avail >= 16 ? be16(d, t + 14) : 0,
    checksum: avail >= 18 ? be16(d, t + 16) : 0,
    urgentPointer: avail >= 20 ? be16(d, t + 18) : 0,
    options: [],
    rawOptions: EMPTY_BYTES,
  };
  if (avail < 13) return { layer };
  if (dataOffset < 5) {
    problems.push(`tcp: data offset ${dataOffset} < 5`);
    return { layer };
  }
  const optEnd = Math.min(t + headerLength, d.length);
  if (optEnd > t + 20) {
    // A view into the packet's bytes (no copy): options are read, not owned.
    layer.rawOptions = d.subarray(t + 20, optEnd);
    layer.options = tcpOptions(layer.rawOptions, problems);
  }
  const payloadOffset = t + headerLength;
  const payloadLength = end - payloadOffset;
  if (payloadLength < 0) {
    problems.push(`tcp: header length ${headerLength} runs past the IP datagram`);
    return { layer, payloadOffset, payloadLength: 0 };
  }
  return { layer, payloadOffset, payloadLength };
}

/** Parses TCP options; a malformed length stops parsing (with a problem), not the packet. */
export function tcpOptions(raw: Uint8Array, problems: string[]): TcpOption[] {
  const options: TcpOption[] = [];
  let i = 0;
  while (i < raw.length) {
    const kind = raw[i] ?? 0;
    if (kind === 0) {
      options.push({ kind, length: 1, data: EMPTY_BYTES });
      break;
    }
    if (kind === 1) {
      options.push({ kind, length: 1, data: EMPTY_BYTES });
      i++;
      continue;
    }
    if (i + 1 >= raw.length) {
      problems.push(`tcp: option ${kind} has no length byte`);
      break;
    }
    const length = raw[i + 1] ?? 0;
    if (length < 2 || i + length > raw.length) {
      problems.push(`tcp: option ${kind} has bad length ${length}`);
      break;
    }
    options.push({ kind, length, data: raw.subarray(i + 2, i + length) });
    i += length;
  }
  return options;
}

function udp(d: Uint8Array, t: number, end: number, problems: string[]): TransportResult {
  const avail = d.length - t;
  const length = avail >= 6 ? be16(d, t + 4) : 0;
  const layer: UdpLayer = {
    kind: 'udp',
    offset: t,
    headerLength: 8,
    truncated: avail < 8,
    srcPort: avail >= 2 ? be16(d, t) : 0,
    dstPort: avail >= 4 ? be16(d, t + 2) : 0,
    length,
    checksum: avail >= 8 ? be16(d, t + 6) : 0,
  };
  if (avail < 6) return { layer };
  if (length < 8) {
    // Length 0 appears with UDP jumbograms (RFC 2675) and offloads: fall back to the IP length.
    problems.push(`udp: length ${length} < 8`);
    return { layer, payloadOffset: t + 8, payloadLength: Math.max(0, end - t - 8) };
  }
  return { layer, payloadOffset: t + 8, payloadLength: length - 8 };
}

function icmp(d: Uint8Array, t: number, end: number, kind: 'icmp' | 'icmpv6', _problems: string[]): TransportResult {
  const avail = d.length - t;
  const layer: IcmpLayer = {
    kind,
    offset: t,
    headerLength: 8,
    truncated: avail < 8,
    type: d[t] ?? 0,
    code: d[t + 1] ?? 0,
    checksum: avail >= 4 ? be16(d, t + 2) : 0,
    restOfHeader: avail >= 8 ? be32(d, t + 4) : 0,
  };
  return { layer, payloadOffset: t + 8, payloadLength: Math.max(0, end - t - 8) };
}
