import { packBits, readBitsUint } from './bits.js';
import type { LayoutBlock, NprintLayout } from './layout.js';

/** What one row of bits makes. */
export type RowDecodeResult =
  | {
      kind: 'packet';
      /** The IP datagram: header bits as they are, payload not in the row filled with zeros. */
      bytes: Uint8Array;
      version: 4 | 6;
      /** Contradictions inside the row that still leave a packet (kept as the bits say). */
      notes: string[];
    }
  | { kind: 'padding' }
  | { kind: 'problem'; message: string };

interface Presence {
  /** Leading cells that are 0/1. */
  present: number;
  /** First cell after the prefix that is 0/1 again (a hole), relative to the block; -1 if none. */
  hole: number;
}

function presence(bits: Int8Array, base: number, block: LayoutBlock): Presence {
  const start = base + block.start;
  let present = 0;
  while (present < block.bits && bits[start + present] !== -1) present++;
  let hole = -1;
  for (let i = present; i < block.bits; i++) {
    if (bits[start + i] !== -1) {
      hole = i;
      break;
    }
  }
  return { present, hole };
}

const problem = (message: string): RowDecodeResult => ({ kind: 'problem', message });

/**
 * Turns one nPrint row into an IP datagram the way nprint's reverse mode does (the 0/1
 * cells of each header, packed most significant bit first; the length from the IP
 * length field) but without inventing anything: payload bytes the row does not hold are
 * zeros (nprint leaves whatever memory follows), and a row whose bits cannot be one
 * packet — IHL < 5, a version that is not 4/6, -1 inside a header's declared length, bits
 * after a header's end, two IP or two transport headers — is a problem, not a packet.
 * When the length field declares fewer bytes than the row's header bits, every header
 * bit is kept (the packet is longer than its length field says) and a note says so.
 */
export function bitsToIpDatagram(bits: Int8Array, base: number, layout: NprintLayout): RowDecodeResult {
  const width = layout.columns.length;
  let any = false;
  for (let i = 0; i < width; i++) {
    if (bits[base + i] !== -1) {
      any = true;
      break;
    }
  }
  if (!any) return { kind: 'padding' };
  const col = (block: LayoutBlock, i: number): string => layout.columns[block.start + i] ?? `#${block.start + i}`;

  const b4 = layout.block('ipv4');
  const b6 = layout.block('ipv6');
  const p4 = b4 ? presence(bits, base, b4) : { present: 0, hole: -1 };
  const p6 = b6 ? presence(bits, base, b6) : { present: 0, hole: -1 };
  const has4 = p4.present > 0 || p4.hole >= 0;
  const has6 = p6.present > 0 || p6.hole >= 0;
  if (has4 && has6) return problem('row holds both IPv4 and IPv6 header bits');
  if (!has4 && !has6) return problem('row holds no IPv4 or IPv6 header bits');

  const notes: string[] = [];
  let ipBlock: LayoutBlock;
  let ipBits: number;
  let declared: number;
  let version: 4 | 6;
  let protocol: number;
  if (has4 && b4) {
    ipBlock = b4;
    if (p4.present < 160) return problem(`IPv4 header incomplete: ${col(b4, p4.present)} is -1 inside the fixed 20 bytes`);
    const ver = readBitsUint(bits, base + b4.start, 4);
    if (ver !== 4) return problem(`IPv4 header has version ${ver}`);
    const ihl = readBitsUint(bits, base + b4.start + 4, 4);
    if (ihl < 5) return problem(`IPv4 IHL ${ihl} < 5`);
    if (p4.hole >= 0) return problem(`IPv4 header: ${col(b4, p4.hole)} holds a bit after -1 at ${col(b4, p4.present)}`);
    if (p4.present !== ihl * 32) {
      return problem(`IPv4 IHL ${ihl} declares ${ihl * 4} header bytes but the row holds ${p4.present} header bits`);
    }
    ipBits = p4.present;
    declared = readBitsUint(bits, base + b4.start + 16, 16);
    protocol = readBitsUint(bits, base + b4.start + 72, 8);
    version = 4;
  } else if (b6) {
    ipBlock = b6;
    if (p6.present < 320) return problem(`IPv6 header incomplete: ${col(b6, p6.present)} is -1`);
    const ver = readBitsUint(bits, base + b6.start, 4);
    if (ver !== 6) return problem(`IPv6 header has version ${ver}`);
    ipBits = 320;
    declared = 40 + readBitsUint(bits, base + b6.start + 32, 16);
    protocol = readBitsUint(bits, base + b6.start + 48, 8);
    version = 6;
  } else {
    return problem('row holds no IPv4 or IPv6 header bits');
  }

  const transports: { key: 'tcp' | 'udp' | 'icmp'; block: LayoutBlock; p: Presence }[] = [];
  for (const key of ['tcp', 'udp', 'icmp'] as const) {
    const block = layout.block(key);
    if (!block) continue;
    const p = presence(bits, base, block);
    if (p.present > 0 || p.hole >= 0) transports.push({ key, block, p });
  }
  if (transports.length > 1) return problem(`row holds more than one transport header (${transports.map((t) => t.key).join(', ')})`);
  const transport = transports[0];
  let transportBits = 0;
  if (transport) {
    const { key, block, p } = transport;
    const name = key.toUpperCase();
    if (key === 'tcp') {
      if (p.present < 160) return problem(`TCP header incomplete: ${col(block, p.present)} is -1 inside the fixed 20 bytes`);
      const doff = readBitsUint(bits, base + block.start + 96, 4);
      if (doff < 5) return problem(`TCP data offset ${doff} < 5`);
      if (p.hole >= 0) return problem(`TCP header: ${col(block, p.hole)} holds a bit after -1 at ${col(block, p.present)}`);
      if (p.present !== doff * 32) {
        return problem(`TCP data offset ${doff} declares ${doff * 4} header bytes but the row holds ${p.present} header bits`);
      }
    } else if (p.present !== 64 || p.hole >= 0) {
      const at = p.present < 64 ? p.present : p.hole;
      return problem(`${name} header incomplete: ${col(block, at)} is -1`);
    }
    transportBits = p.present;
    const expected = key === 'tcp' ? 6 : key === 'udp' ? 17 : 1;
    if (protocol !== expected) notes.push(`IP protocol ${protocol} but the row holds a ${name} header`);
  }

  let payloadBits = 0;
  const pb = layout.block('payload');
  if (pb) {
    const p = presence(bits, base, pb);
    if (p.hole >= 0) return problem(`payload: ${col(pb, p.hole)} holds a bit after -1 at ${col(pb, p.present)}`);
    if (p.present % 8 !== 0) return problem(`payload holds ${p.present} bits, not a whole number of bytes`);
    payloadBits = p.present;
  }

  const headerBytes = (ipBits + transportBits + payloadBits) / 8;
  if (declared < headerBytes) {
    notes.push(`IP length field declares ${declared} bytes but the row holds ${headerBytes}; all ${headerBytes} kept`);
  }
  const bytes = new Uint8Array(Math.max(declared, headerBytes));
  packBits(bits, base + ipBlock.start, ipBits, bytes, 0);
  if (transport) packBits(bits, base + transport.block.start, transportBits, bytes, ipBits / 8);
  if (pb && payloadBits > 0) packBits(bits, base + pb.start, payloadBits, bytes, (ipBits + transportBits) / 8);
  return { kind: 'packet', bytes, version, notes };
}
