/**
 * pcapng blocks the writer needs (draft-ietf-opsawg-pcapng, little-endian): a Section Header
 * Block, one Interface Description Block, and Enhanced Packet Blocks with an optional
 * opt_comment. Options are padded to 32 bits and end with opt_endofopt.
 */
const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const OPT_END = 0;
const OPT_COMMENT = 1;
const IF_TSRESOL = 9;

const pad4 = (n: number): number => (n + 3) & ~3;

/** SHB + IDB into `b` at 0; returns the bytes written. `nanosecond` sets if_tsresol 9 (else the default µs). */
export function writePcapngHeader(b: Buffer, linkType: number, snapLength: number, nanosecond: boolean): number {
  b.writeUInt32LE(SHB, 0);
  b.writeUInt32LE(28, 4);
  b.writeUInt32LE(0x1a2b3c4d, 8);
  b.writeUInt16LE(1, 12);
  b.writeUInt16LE(0, 14);
  b.writeBigInt64LE(-1n, 16); // section length not given (streamed)
  b.writeUInt32LE(28, 24);
  const idbLength = 20 + (nanosecond ? 12 : 0);
  let o = 28;
  b.writeUInt32LE(IDB, o);
  b.writeUInt32LE(idbLength, o + 4);
  b.writeUInt16LE(linkType, o + 8);
  b.writeUInt16LE(0, o + 10);
  b.writeUInt32LE(snapLength, o + 12);
  o += 16;
  if (nanosecond) {
    b.writeUInt16LE(IF_TSRESOL, o);
    b.writeUInt16LE(1, o + 2);
    b.writeUInt32LE(9, o + 4); // one byte (9: 10^-9 s), padded
    b.writeUInt32LE(OPT_END, o + 8);
    o += 12;
  }
  b.writeUInt32LE(idbLength, o);
  return o + 4;
}

/** One Enhanced Packet Block on interface 0; `units` is the timestamp in the interface's resolution. */
export function enhancedPacketBlock(data: Uint8Array, units: bigint, originalLength: number, comment?: string): Buffer {
  const text = comment === undefined ? null : Buffer.from(comment, 'utf8');
  if (text && text.length > 0xffff) throw new RangeError(`packet comment of ${text.length} bytes is longer than a pcapng option (65535)`);
  const options = text ? 4 + pad4(text.length) + 4 : 0;
  const length = 28 + pad4(data.length) + options + 4;
  const b = Buffer.alloc(length);
  b.writeUInt32LE(EPB, 0);
  b.writeUInt32LE(length, 4);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(Number(units >> 32n), 12);
  b.writeUInt32LE(Number(units & 0xffffffffn), 16);
  b.writeUInt32LE(data.length, 20);
  b.writeUInt32LE(Math.min(Math.max(0, originalLength), 0xffffffff), 24);
  b.set(data, 28);
  let o = 28 + pad4(data.length);
  if (text) {
    b.writeUInt16LE(OPT_COMMENT, o);
    b.writeUInt16LE(text.length, o + 2);
    text.copy(b, o + 4);
    o += 4 + pad4(text.length);
    b.writeUInt32LE(OPT_END, o);
    o += 4;
  }
  b.writeUInt32LE(length, o);
  return b;
}
