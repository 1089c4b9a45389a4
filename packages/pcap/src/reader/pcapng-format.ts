import { PcapFormatError, PcapTruncatedError, type Packet } from '@netsynth/core';
import type { RecordBytes } from '../bytes.js';
import type { ChunkedFile } from './chunked-file.js';
import { MAX_BATCH, type FormatSink } from './pcap-format.js';
import { MAX_RECORD_BYTES } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLength: number;
  /** ns = ticks * mul / div + offsetNs */
  mul: bigint;
  div: bigint;
  offsetNs: bigint;
  /** Microsecond resolution and no offset: the common case takes a faster path. */
  micro: boolean;
}

export function isPcapngMagic(b: Uint8Array): boolean {
  return b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
}

function rd32(b: Buffer, o: number, le: boolean): number {
  return le ? b.readUInt32LE(o) : b.readUInt32BE(o);
}

function rd16(b: Buffer, o: number, le: boolean): number {
  return le ? b.readUInt16LE(o) : b.readUInt16BE(o);
}

/**
 * Streams the packets of a pcapng file in batches: every section (SHB, with its own byte
 * order), interfaces (IDB: link type, snap length, if_tsresol, if_tsoffset), and packets
 * from EPB, SPB and the obsolete OPB. Other blocks (statistics, name resolution, custom...)
 * are skipped by their length. On damage the packets parsed before it go out first, then
 * the typed error is thrown.
 *
 * An SPB carries no timestamp; it gets the timestamp of the previous packet in the file
 * (0 before any), so flow timeouts are not disturbed by a jump to 1970.
 */
export async function* readPcapngRecords(src: ChunkedFile, file: string, sink: FormatSink, bytes: RecordBytes): AsyncGenerator<Packet[]> {
  let le = true;
  let haveSection = false;
  let interfaces: Interface[] = [];
  let lastTimestampNs = 0n;
  let batch: Packet[] = [];

  try {
    for (;;) {
      const at = src.offset;
      if (src.available < 12) {
        if (batch.length) {
          yield batch;
          batch = [];
        }
        if (!(await src.ensure(12))) {
          if (src.available === 0) break;
          throw new PcapTruncatedError(`file ends inside a block header (${src.available} of 12 bytes)`, file, at);
        }
      }
      let b = src.buf;
      let p = src.pos;
      if (b[p] === 0x0a && b[p + 1] === 0x0d && b[p + 2] === 0x0d && b[p + 3] === 0x0a) {
        const bom = b.readUInt32LE(p + 8);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else throw new PcapFormatError(`section header block has a bad byte-order magic 0x${bom.toString(16)}`, file, at + 8);
        haveSection = true;
        interfaces = [];
      } else if (!haveSection) {
        throw new PcapFormatError('pcapng file does not start with a section header block', file, at);
      }
      const type = rd32(b, p, le);
      const total = rd32(b, p + 4, le);
      if (total < 12 || (type === SHB && total < 28))
        throw new PcapFormatError(`block length ${total} is too small for a block of type 0x${type.toString(16)}`, file, at);
      if (total % 4 !== 0) throw new PcapFormatError(`block length ${total} is not a multiple of 4`, file, at);
      if (total > MAX_RECORD_BYTES) throw new PcapFormatError(`block length ${total} exceeds 256 MiB (corrupt block header)`, file, at);
      if (src.available < total) {
        // Checked against the file size first so a corrupt length never makes us allocate it.
        if (at + total > src.size) {
          throw new PcapTruncatedError(`block of ${total} bytes runs past the end of the file (${Math.max(0, src.size - at)} bytes left)`, file, at);
        }
        if (batch.length) {
          yield batch;
          batch = [];
        }
        if (!(await src.ensure(total))) throw new PcapTruncatedError(`block of ${total} bytes runs past the end of the file`, file, at);
        b = src.buf;
        p = src.pos;
      }
      const trailer = rd32(b, p + total - 4, le);
      if (trailer !== total) throw new PcapFormatError(`block trailer length ${trailer} does not match its header length ${total}`, file, at + total - 4);

      let packet: Packet | undefined;
      switch (type) {
        case SHB: {
          const major = rd16(b, p + 12, le);
          if (major !== 1) throw new PcapFormatError(`unsupported pcapng version ${major}.${rd16(b, p + 14, le)}`, file, at + 12);
          break;
        }
        case IDB: {
          if (total < 20) throw new PcapFormatError(`interface description block of ${total} bytes is too short`, file, at);
          const iface = parseInterface(b, p, total, le, file, at);
          sink.onLinkType(iface.linkType, at);
          interfaces.push(iface);
          break;
        }
        case EPB:
        case OPB: {
          if (total < 32) throw new PcapFormatError(`packet block of ${total} bytes is too short`, file, at);
          const id = type === EPB ? rd32(b, p + 8, le) : rd16(b, p + 8, le);
          const iface = interfaceOf(interfaces, id, file, at);
          const capturedLength = rd32(b, p + 20, le);
          checkCaptured(capturedLength, total - 32, iface, file, at);
          packet = {
            timestampNs: ticksToNs(iface, rd32(b, p + 12, le), rd32(b, p + 16, le)),
            capturedLength,
            originalLength: rd32(b, p + 24, le),
            linkType: iface.linkType,
            data: bytes.take(b, p + 28, p + 28 + capturedLength),
            interfaceId: id,
          };
          break;
        }
        case SPB: {
          if (total < 16) throw new PcapFormatError(`simple packet block of ${total} bytes is too short`, file, at);
          const iface = interfaceOf(interfaces, 0, file, at);
          const originalLength = rd32(b, p + 8, le);
          let capturedLength = Math.min(originalLength, total - 16);
          if (iface.snapLength > 0) capturedLength = Math.min(capturedLength, iface.snapLength);
          packet = {
            timestampNs: lastTimestampNs,
            capturedLength,
            originalLength,
            linkType: iface.linkType,
            data: bytes.take(b, p + 12, p + 12 + capturedLength),
            interfaceId: 0,
          };
          break;
        }
        default:
          // Statistics, name resolution, decryption secrets, custom and unknown blocks.
          break;
      }
      src.skip(total);
      if (packet) {
        lastTimestampNs = packet.timestampNs;
        batch.push(packet);
        if (batch.length >= MAX_BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
  } catch (e) {
    // Packets parsed before the damage go out first; the error comes on the next call.
    if (batch.length) yield batch;
    throw e;
  }
  if (batch.length) yield batch;
}

function interfaceOf(interfaces: Interface[], id: number, file: string, at: number): Interface {
  const iface = interfaces[id];
  if (!iface) throw new PcapFormatError(`packet refers to interface ${id} but the section describes ${interfaces.length}`, file, at);
  return iface;
}

function checkCaptured(capturedLength: number, room: number, iface: Interface, file: string, at: number): void {
  if (capturedLength > room) throw new PcapFormatError(`packet captured length ${capturedLength} runs past its block (room for ${room} bytes)`, file, at);
  if (iface.snapLength > 0 && capturedLength > iface.snapLength) {
    throw new PcapFormatError(`packet captured length ${capturedLength} exceeds the interface snap length ${iface.snapLength}`, file, at);
  }
}

function ticksToNs(iface: Interface, hi: number, lo: number): bigint {
  // hi < 2^21 keeps hi * 2^32 + lo exact in a double (µs timestamps until year 2255).
  if (iface.micro && hi < 0x200000) return BigInt(hi * 4294967296 + lo) * 1000n;
  const ticks = (BigInt(hi) << 32n) | BigInt(lo);
  return (ticks * iface.mul) / iface.div + iface.offsetNs;
}

function parseInterface(b: Buffer, p: number, total: number, le: boolean, file: string, at: number): Interface {
  const linkType = le ? b.readUInt16LE(p + 8) : b.readUInt16BE(p + 8);
  const snapLength = le ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
  let mul = 1000n;
  let div = 1n;
  let offsetNs = 0n;
  let o = 16;
  const end = total - 4;
  while (o + 4 <= end) {
    const code = le ? b.readUInt16LE(p + o) : b.readUInt16BE(p + o);
    const len = le ? b.readUInt16LE(p + o + 2) : b.readUInt16BE(p + o + 2);
    if (code === OPT_END) break;
    if (o + 4 + len > end) throw new PcapFormatError(`interface option ${code} of ${len} bytes runs past its block`, file, at + o);
    const v = p + o + 4;
    if (code === IF_TSRESOL && len >= 1) {
      const r = b[v] ?? 6;
      const exp = BigInt(r & 0x7f);
      if (r & 0x80) {
        // 2^-exp seconds per tick.
        mul = 1_000_000_000n;
        div = 1n << exp;
      } else if (exp <= 9n) {
        mul = 10n ** (9n - exp);
        div = 1n;
      } else {
        mul = 1n;
        div = 10n ** (exp - 9n);
      }
    } else if (code === IF_TSOFFSET && len >= 8) {
      const seconds = le ? b.readBigInt64LE(v) : b.readBigInt64BE(v);
      offsetNs = seconds * 1_000_000_000n;
    }
    o += 4 + ((len + 3) & ~3);
  }
  return { linkType, snapLength, mul, div, offsetNs, micro: mul === 1000n && div === 1n && offsetNs === 0n };
}
