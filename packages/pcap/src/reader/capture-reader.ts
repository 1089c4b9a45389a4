import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { InterruptedError, InvalidArgumentError, PcapFormatError, PcapTruncatedError, isNetsynthError, type Packet, type ProgressTask } from '@netsynth/core';
import { BORROWED_BYTES, ByteArena, type RecordBytes } from '../bytes.js';
import { isSupportedLinkType } from '../dissect/link.js';
import { ChunkedFile } from './chunked-file.js';
import { pcapMagic, readPcapRecords } from './pcap-format.js';
import { isPcapngMagic, readPcapngRecords } from './pcapng-format.js';
import type { CaptureFormat, CaptureWarning, ReadCaptureOptions } from './types.js';

/**
 * One pass over a capture file. `packets()` streams the packets; while and after it runs,
 * the reader exposes what it learnt: format, link types, packets skipped per unsupported
 * link type, and warnings.
 *
 * Error policy: damage before the first packet record is a typed error (PcapFormatError /
 * PcapTruncatedError with file and byte offset); damage after it ends the stream with a
 * warning, keeping every packet read before it.
 */
export class CaptureReader {
  format: CaptureFormat | undefined;
  /** Distinct link types in order of first appearance (pcap: one; pcapng: one per IDB type). */
  readonly linkTypes: number[] = [];
  readonly skippedByLinkType: Record<number, number> = {};
  readonly warnings: CaptureWarning[] = [];
  /** Packet records read, including the skipped ones. */
  recordCount = 0;
  private started = false;

  constructor(
    readonly path: string,
    private readonly options: ReadCaptureOptions = {},
  ) {}

  /** Streams the packets one by one (see `batches()` for the faster form). */
  async *packets(): AsyncGenerator<Packet> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * Streams the packets in file order, in batches of up to 4096 (whatever one read chunk
   * holds): one await per batch instead of one per packet, which is most of the cost of a
   * plain per-packet loop. A batch array is the caller's to keep.
   */
  async *batches(): AsyncGenerator<Packet[]> {
    if (this.started) throw new InvalidArgumentError('CaptureReader can only be iterated once');
    this.started = true;
    const { signal, progress, includeUnsupportedLinkTypes = false } = this.options;
    if (signal?.aborted) throw new InterruptedError(`reading ${this.path} interrupted`);
    let fh: FileHandle;
    try {
      fh = await open(this.path, 'r');
    } catch (e) {
      throw new PcapFormatError(`cannot open capture: ${(e as Error).message}`, this.path, 0, e);
    }
    let task: ProgressTask | undefined;
    try {
      const size = (await fh.stat()).size;
      task = progress?.start(`read ${basename(this.path)}`, size, 'B');
      const src = new ChunkedFile(fh, size, this.options.chunkSize);
      if (!(await src.ensure(4))) {
        throw new PcapTruncatedError(size === 0 ? 'capture file is empty' : `capture file is only ${size} bytes`, this.path, 0);
      }
      const head = src.buf.subarray(src.pos, src.pos + 4);
      const sink = { onLinkType: (lt: number, offset: number) => this.noteLinkType(lt, offset) };
      const arena: RecordBytes = this.options.transientData ? BORROWED_BYTES : new ByteArena();
      let records: AsyncGenerator<Packet[]>;
      if (isPcapngMagic(head)) {
        this.format = 'pcapng';
        records = readPcapngRecords(src, this.path, sink, arena);
      } else if (pcapMagic(head)) {
        this.format = 'pcap';
        records = readPcapRecords(src, this.path, sink, arena);
      } else {
        const magic = Array.from(head, (x) => x.toString(16).padStart(2, '0')).join('');
        // A compressed capture is common (tcpdump -w - | gzip): name it rather than show a bare magic.
        const what = head[0] === 0x1f && head[1] === 0x8b ? ': a gzip-compressed file; decompress it first (gunzip)' : '';
        throw new PcapFormatError(`not a pcap or pcapng file (magic 0x${magic})${what}`, this.path, 0);
      }

      for (;;) {
        let next: IteratorResult<Packet[]>;
        try {
          next = await records.next();
        } catch (e) {
          if (this.recordCount > 0 && isNetsynthError(e) && (e.code === 'PCAP_FORMAT' || e.code === 'PCAP_TRUNCATED')) {
            this.warn(e.offset ?? src.offset, messageOf(e.message, this.path, e.offset));
            return;
          }
          throw e;
        }
        if (next.done) break;
        if (signal?.aborted) throw new InterruptedError(`reading ${this.path} interrupted`);
        task?.update(src.offset);
        this.recordCount += next.value.length;
        const batch = includeUnsupportedLinkTypes ? next.value : this.supportedOnly(next.value);
        if (batch.length > 0) yield batch;
      }
      task?.update(src.offset);
    } finally {
      task?.done(`${this.recordCount} packets`);
      await fh.close();
    }
  }

  private supportedOnly(batch: Packet[]): Packet[] {
    let all = true;
    for (const p of batch) if (!isSupportedLinkType(p.linkType)) all = false;
    if (all) return batch;
    return batch.filter((p) => {
      if (isSupportedLinkType(p.linkType)) return true;
      this.skippedByLinkType[p.linkType] = (this.skippedByLinkType[p.linkType] ?? 0) + 1;
      return false;
    });
  }

  private noteLinkType(linkType: number, offset: number): void {
    if (this.linkTypes.includes(linkType)) return;
    this.linkTypes.push(linkType);
    if (!isSupportedLinkType(linkType) && !this.options.includeUnsupportedLinkTypes) {
      this.warn(offset, `link type ${linkType} is not supported: its packets are counted and skipped`);
    }
  }

  private warn(offset: number, message: string): void {
    const warning: CaptureWarning = { file: this.path, offset, message };
    this.warnings.push(warning);
    this.options.onWarning?.(warning);
  }
}

/** The error's own message without the "file, offset N: " prefix NetsynthError adds. */
function messageOf(full: string, file: string, offset: number | undefined): string {
  const prefix = offset === undefined ? `${file}: ` : `${file}, offset ${offset}: `;
  return full.startsWith(prefix) ? `${full.slice(prefix.length)}; packets after it were not read` : full;
}

/**
 * Streams the packets of a pcap or pcapng file (format detected from the magic number),
 * holding about one read chunk in memory. Packets of unsupported link types are skipped
 * (see CaptureReader for counts); damage after the first packet ends the stream with a
 * warning through `onWarning`.
 */
export function readCapture(path: string, options: ReadCaptureOptions = {}): AsyncGenerator<Packet> {
  return new CaptureReader(path, options).packets();
}

export interface CaptureContents {
  packets: Packet[];
  format: CaptureFormat;
  linkTypes: number[];
  warnings: CaptureWarning[];
  skippedByLinkType: Record<number, number>;
}

/** Reads a whole capture into memory (for small files and tests; stream big ones). */
export async function readCaptureAll(path: string, options: ReadCaptureOptions = {}): Promise<CaptureContents> {
  const reader = new CaptureReader(path, options);
  const packets: Packet[] = [];
  for await (const p of reader.packets()) packets.push(p);
  return {
    packets,
    format: reader.format ?? 'pcap',
    linkTypes: [...reader.linkTypes],
    warnings: [...reader.warnings],
    skippedByLinkType: { ...reader.skippedByLinkType },
  };
}
