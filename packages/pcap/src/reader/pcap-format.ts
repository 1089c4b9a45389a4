import { PcapFormatError, PcapTruncatedError, type Packet } from '@netsynth/core';
import type { RecordBytes } from '../bytes.js';
import type { ChunkedFile } from './chunked-file.js';
import { MAX_RECORD_BYTES } from './types.js';

export interface PcapHeaderInfo {
  littleEndian: boolean;
  nanosecond: boolean;
  /** Kuznetzov's modified format: 24-byte record headers. */
  modified: boolean;
}

/** Classifies the first four bytes; undefined when they are no classic pcap magic. */
export function pcapMagic(b: Uint8Array): PcapHeaderInfo | undefined {
  const le = ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) >>> 0;
  switch (le) {
    case 0xa1b2c3d4:
      return { littleEndian: true, nanosecond: false, modified: false };
    case 0xd4c3b2a1:
      return { littleEndian: false, nanosecond: false, modified: false };
    case 0xa1b23c4d:
      return { littleEndian: true, nanosecond: true, modified: false };
    case 0x4d3cb2a1:
      return { littleEndian: false, nanosecond: true, modified: false };
    case 0xa1b2cd34:
      return { littleEndian: true, nanosecond: false, modified: true };
    case 0x34cdb2a1:
      return { littleEndian: false, nanosecond: false, modified: true };
    default:
      return undefined;
  }
}

export interface FormatSink {
  onLinkType(linkType: number, offset: number): void;
}

/** Records are handed out in batches (all complete ones in the buffer, at most this many). */
export const MAX_BATCH = 4096;

/**
 * Streams the records of a classic pcap file in batches. On damage it first hands out the
 * packets parsed before it, then throws the typed error.
 */
export async function* readPcapRecords(src: ChunkedFile, file: string, sink: FormatSink, bytes: RecordBytes): AsyncGenerator<Packet[]> {
  if (!(await src.ensure(24))) throw new PcapTruncatedError(`file ends inside the 24-byte pcap file header (${src.available} bytes)`, file, 0);
  const info = pcapMagic(src.buf.subarray(src.pos, src.pos + 4));
  if (!info) throw new PcapFormatError('not a pcap file (bad magic number)', file, 0);
  const { littleEndian: le, nanosecond } = info;
  const h = src.buf;
  const p0 = src.pos;
  const snapLength = le ? h.readUInt32LE(p0 + 16) : h.readUInt32BE(p0 + 16);
  const network = le ? h.readUInt32LE(p0 + 20) : h.readUInt32BE(p0 + 20);
  // The upper bits of the link-type field carry FCS information, not the link type.
  const linkType = network & 0xffff;
  sink.onLinkType(linkType, 20);
  src.skip(24);
  const recordHeader = info.modified ? 24 : 16;

  let batch: Packet[] = [];
  try {
    for (;;) {
      const at = src.offset;
      if (src.available < recordHeader) {
        if (batch.length) {
          yield batch;
          batch = [];
        }
        if (!(await src.ensure(recordHeader))) {
          if (src.available === 0) break;
          throw new PcapTruncatedError(`file ends inside a packet record header (${src.available} of ${recordHeader} bytes)`, file, at);
        }
      }
      let b = src.buf;
      let p = src.pos;
      const sec = le ? b.readUInt32LE(p) : b.readUInt32BE(p);
      const frac = le ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
      const capturedLength = le ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
      const originalLength = le ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
      if (capturedLength > MAX_RECORD_BYTES) {
        throw new PcapFormatError(`packet record claims ${capturedLength} captured bytes (more than 256 MiB: corrupt record header)`, file, at);
      }
      if (snapLength > 0 && capturedLength > snapLength) {
        throw new PcapFormatError(`packet captured length ${capturedLength} exceeds the file's snap length ${snapLength}`, file, at);
      }
      const total = recordHeader + capturedLength;
      if (src.available < total) {
        if (at + total > src.size) {
          throw new PcapTruncatedError(
            `file ends inside packet data (record needs ${capturedLength} bytes, ${Math.max(0, src.size - at - recordHeader)} left)`,
            file,
            at,
          );
        }
        if (batch.length) {
          yield batch;
          batch = [];
        }
        if (!(await src.ensure(total))) throw new PcapTruncatedError(`file ends inside packet data (record needs ${capturedLength} bytes)`, file, at);
        b = src.buf;
        p = src.pos;
      }
      const data = bytes.take(b, p + recordHeader, p + total);
      src.skip(total);
      batch.push({
        // sec·10⁶ + µs stays below 2^53, so microsecond files need one BigInt, not four.
        timestampNs: nanosecond ? BigInt(sec) * 1_000_000_000n + BigInt(frac) : BigInt(sec * 1e6 + frac) * 1000n,
        capturedLength,
        originalLength,
        linkType,
        data,
        interfaceId: 0,
      });
      if (batch.length >= MAX_BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (e) {
    // Packets parsed before the damage go out first; the error comes on the next call.
    if (batch.length) yield batch;
    throw e;
  }
  if (batch.length) yield batch;
}
