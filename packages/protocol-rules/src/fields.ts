/**
 * Header field layouts, as bit offsets from the start of their header, with the dotted names
 * used in violations and repair logs ("ipv4.ttl", "tcp.flags.syn"). One table per protocol so
 * rules read and write fields by name instead of by hand-computed byte arithmetic.
 */
import { readBits, writeBits } from './bits.js';

export interface HeaderField {
  /** Dotted name reported in violations and changes. */
  readonly name: string;
  /** Bit offset from the first bit of the header. */
  readonly bit: number;
  readonly width: number;
}

function f(name: string, bit: number, width: number): HeaderField {
  return Object.freeze({ name, bit, width });
}

export const IPV4 = Object.freeze({
  version: f('ipv4.version', 0, 4),
  ihl: f('ipv4.ihl', 4, 4),
  tos: f('ipv4.tos', 8, 8),
  ecn: f('ipv4.ecn', 14, 2),
  totalLength: f('ipv4.total_length', 16, 16),
  identification: f('ipv4.identification', 32, 16),
  reservedFlag: f('ipv4.flags.reserved', 48, 1),
  dontFragment: f('ipv4.flags.df', 49, 1),
  moreFragments: f('ipv4.flags.mf', 50, 1),
  fragmentOffset: f('ipv4.fragment_offset', 51, 13),
  ttl: f('ipv4.ttl', 64, 8),
  protocol: f('ipv4.protocol', 72, 8),
  checksum: f('ipv4.checksum', 80, 16),
  src: f('ipv4.src', 96, 32),
  dst: f('ipv4.dst', 128, 32),
});

export const IPV6 = Object.freeze({
  version: f('ipv6.version', 0, 4),
  payloadLength: f('ipv6.payload_length', 32, 16),
  nextHeader: f('ipv6.next_header', 48, 8),
  hopLimit: f('ipv6.hop_limit', 56, 8),
});

export const TCP = Object.freeze({
  srcPort: f('tcp.src_port', 0, 16),
  dstPort: f('tcp.dst_port', 16, 16),
  seq: f('tcp.seq', 32, 32),
  ack: f('tcp.ack', 64, 32),
  dataOffset: f('tcp.data_offset', 96, 4),
  reserved: f('tcp.reserved', 100, 3),
  /** The 9 flag bits NS..FIN as one number (NS = 0x100, FIN = 0x01). */
  flags: f('tcp.flags', 103, 9),
  window: f('tcp.window', 112, 16),
  checksum: f('tcp.checksum', 128, 16),
  urgentPointer: f('tcp.urgent_pointer', 144, 16),
});

export const TCP_FLAG = Object.freeze({ FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, NS: 0x100 });

export const UDP = Object.freeze({
  srcPort: f('udp.src_port', 0, 16),
  dstPort: f('udp.dst_port', 16, 16),
  length: f('udp.length', 32, 16),
  checksum: f('udp.checksum', 48, 16),
});

export const ICMP = Object.freeze({
  type: f('icmp.type', 0, 8),
  code: f('icmp.code', 8, 8),
  checksum: f('icmp.checksum', 16, 16),
  identifier: f('icmp.echo.identifier', 32, 16),
  sequence: f('icmp.echo.sequence', 48, 16),
});

/** Reads a field of the header that starts at byte `headerOffset` of `data`. */
export function getField(data: Uint8Array, headerOffset: number, field: HeaderField): number {
  return readBits(data, headerOffset * 8 + field.bit, field.width);
}

export function putField(data: Uint8Array, headerOffset: number, field: HeaderField, value: number): void {
  writeBits(data, headerOffset * 8 + field.bit, field.width, value);
}

/** Whether every bit of the field lies inside the captured bytes. */
export function fieldCaptured(data: Uint8Array, headerOffset: number, field: HeaderField): boolean {
  return headerOffset * 8 + field.bit + field.width <= data.length * 8;
}

export function flagNames(flags: number): string {
  const names: string[] = [];
  const order: [number, string][] = [
    [TCP_FLAG.NS, 'NS'],
    [TCP_FLAG.CWR, 'CWR'],
    [TCP_FLAG.ECE, 'ECE'],
    [TCP_FLAG.URG, 'URG'],
    [TCP_FLAG.ACK, 'ACK'],
    [TCP_FLAG.PSH, 'PSH'],
    [TCP_FLAG.RST, 'RST'],
    [TCP_FLAG.SYN, 'SYN'],
    [TCP_FLAG.FIN, 'FIN'],
  ];
  for (const [bit, name] of order) if (flags & bit) names.push(name);
  return names.length ? names.join('|') : 'none';
}
