import { existsSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, LinkType, OutputExistsError, asFileError, commitTempFile, makeDir, tempPathFor, type Packet } from '@netsynth/core';
import { recomputeChecksums as recompute } from '../checksum.js';
import { toEthernet, toRawIp } from './convert.js';
import { enhancedPacketBlock, writePcapngHeader } from './pcapng-blocks.js';

export interface PcapWriterOptions {
  /** Link type of the file (1 Ethernet, 101 raw IP, or any other for packets already in it). */
  linkType: number;
  /** Nanosecond timestamps (magic a1b23c4d); default microseconds (timestamps are cut to µs). */
  nanosecond?: boolean;
  /** Snap length written in the header; longer packets are cut to it (default 262144). */
  snapLength?: number;
  /** Replace an existing file. */
  force?: boolean;
  /** Write correct IPv4/TCP/UDP/ICMP/ICMPv6 checksums (see recomputeChecksums). */
  recomputeChecksums?: boolean;
  /**
   * `pcap` (default) or `pcapng` (one section, one interface; each packet an Enhanced Packet
   * Block that can carry a comment, e.g. its class label: `write(packet, comment)`).
   */
  format?: 'pcap' | 'pcapng';
}

const BUFFER_BYTES = 1 << 20;
const DEFAULT_SNAPLEN = 262144;

/**
 * Streams packets into a classic little-endian pcap file. Everything goes to a temporary
 * sibling file that `close()` renames into place, so a crash never leaves a half-written
 * capture and an existing file is replaced only with `force`.
 *
 * A packet whose link type differs from the file's is converted when the file is raw IP
 * (101, via toRawIp) or Ethernet (via toEthernet); any other mismatch is an
 * InvalidArgumentError.
 */
export class PcapWriter {
  readonly tempPath: string;
  packetsWritten = 0;
  private fh: FileHandle | undefined;
  private opening: Promise<FileHandle> | undefined;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private finished = false;
  private readonly snapLength: number;

  constructor(
    readonly path: string,
    private readonly options: PcapWriterOptions,
  ) {
    if (!Number.isInteger(options.linkType) || options.linkType < 0 || options.linkType > 0xffff) {
      throw new InvalidArgumentError(`pcap link type must be an integer 0..65535, got ${options.linkType}`, { file: path });
    }
    this.snapLength = options.snapLength ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(this.snapLength) || this.snapLength <= 0 || this.snapLength > 0x7fffffff) {
      throw new InvalidArgumentError(`snap length must be a positive integer, got ${this.snapLength}`, { file: path });
    }
    if (!options.force && existsSync(path)) throw new OutputExistsError(path);
    this.tempPath = tempPathFor(path);
    this.writeHeader();
  }

  /** Creates the writer and its temporary file. */
  static async open(path: string, options: PcapWriterOptions): Promise<PcapWriter> {
    const writer = new PcapWriter(path, options);
    await writer.handle();
    return writer;
  }

  private handle(): Promise<FileHandle> {
    if (this.fh) return Promise.resolve(this.fh);
    this.opening ??= (async () => {
      try {
        await makeDir(dirname(this.path));
        this.fh = await open(this.tempPath, 'wx');
      } catch (e) {
        throw asFileError(e, this.path);
      }
      return this.fh;
    })();
    return this.opening;
  }

  private get pcapng(): boolean {
    return this.options.format === 'pcapng';
  }

  private writeHeader(): void {
    if (this.pcapng) {
      this.used = writePcapngHeader(this.buf, this.options.linkType, this.snapLength, this.options.nanosecond === true);
      return;
    }
    const b = this.buf;
    b.writeUInt32LE(this.options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8);
    b.writeUInt32LE(0, 12);
    b.writeUInt32LE(this.snapLength, 16);
    b.writeUInt32LE(this.options.linkType, 20);
    this.used = 24;
  }

  private convert(packet: Packet): Packet {
    let p = packet;
    if (p.linkType !== this.options.linkType) {
      if (this.options.linkType === LinkType.RAW) p = toRawIp(p);
      else if (this.options.linkType === LinkType.ETHERNET) p = toEthernet(p);
      else {
        throw new InvalidArgumentError(`cannot write a packet of link type ${p.linkType} into a pcap of link type ${this.options.linkType}`, {
          file: this.path,
        });
      }
    }
    return this.options.recomputeChecksums ? recompute(p) : p;
  }

  /** Appends a packet; `comment` (pcapng only) goes into its block's opt_comment. */
  async write(packet: Packet, comment?: string): Promise<void> {
    if (this.finished) throw new InvalidArgumentError('PcapWriter is already closed', { file: this.path });
    if (comment !== undefined && !this.pcapng) throw new InvalidArgumentError('packet comments need format pcapng', { file: this.path });
    const p = this.convert(packet);
    const ts = p.timestampNs;
    if (ts < 0n) throw new InvalidArgumentError(`negative timestamp ${ts} ns`, { file: this.path });
    const sec = ts / 1_000_000_000n;
    if (sec > 0xffffffffn) throw new InvalidArgumentError(`timestamp ${ts} ns does not fit a pcap record (after 2106)`, { file: this.path });
    const fracNs = Number(ts % 1_000_000_000n);
    const frac = this.options.nanosecond ? fracNs : Math.floor(fracNs / 1000);
    const captured = Math.min(p.data.length, this.snapLength);
    const originalLength = p.originalLength;
    if (this.pcapng) {
      const units = this.options.nanosecond ? ts : ts / 1000n;
      await this.append(enhancedPacketBlock(p.data.subarray(0, captured), units, originalLength, comment));
      this.packetsWritten++;
      return;
    }
    const recordBytes = 16 + captured;
    if (this.used + recordBytes > this.buf.length) await this.flush();
    const b = this.buf;
    let o = this.used;
    if (recordBytes > b.length) {
      const big = Buffer.allocUnsafe(recordBytes);
      this.writeRecordHeader(big, 0, Number(sec), frac, captured, originalLength);
      big.set(p.data.subarray(0, captured), 16);
      const fh = await this.handle();
      await fh.write(big, 0, recordBytes);
    } else {
      this.writeRecordHeader(b, o, Number(sec), frac, captured, originalLength);
      o += 16;
      b.set(p.data.subarray(0, captured), o);
      this.used = o + captured;
    }
    this.packetsWritten++;
  }

  private writeRecordHeader(b: Buffer, o: number, sec: number, frac: number, captured: number, original: number): void {
    b.writeUInt32LE(sec, o);
    b.writeUInt32LE(frac, o + 4);
    b.writeUInt32LE(captured, o + 8);
    b.writeUInt32LE(Math.min(Math.max(0, original), 0xffffffff), o + 12);
  }

  private async append(block: Buffer): Promise<void> {
    if (this.used + block.length > this.buf.length) await this.flush();
    if (block.length > this.buf.length) {
      const fh = await this.handle();
      await fh.write(block, 0, block.length).catch((e: unknown) => {
        throw asFileError(e, this.path);
      });
      return;
    }
    block.copy(this.buf, this.used);
    this.used += block.length;
  }

  async writeAll(packets: Iterable<Packet> | AsyncIterable<Packet>): Promise<void> {
    for await (const p of packets) await this.write(p);
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const fh = await this.handle();
    let done = 0;
    try {
      while (done < this.used) {
        const { bytesWritten } = await fh.write(this.buf, done, this.used - done);
        done += bytesWritten;
      }
    } catch (e) {
      // ENOSPC from write() names no file: say which output failed.
      throw asFileError(e, this.path);
    }
    this.used = 0;
  }

  /** Flushes, closes and renames the temporary file into place. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      await this.flush();
      const fh = await this.handle();
      await fh.close();
    } catch (e) {
      await rm(this.tempPath, { force: true });
      throw asFileError(e, this.path);
    }
    await commitTempFile(this.tempPath, this.path, { force: this.options.force === true });
  }

  /** Drops everything written; the destination is left untouched. */
  async abort(): Promise<void> {
    this.finished = true;
    const fh = this.fh ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    await fh?.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

/** Writes `packets` to a new pcap at `path` (atomically; see PcapWriter). */
export async function writePcap(path: string, packets: Iterable<Packet> | AsyncIterable<Packet>, options: PcapWriterOptions): Promise<number> {
  const writer = new PcapWriter(path, options);
  try {
    await writer.writeAll(packets);
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.packetsWritten;
}
