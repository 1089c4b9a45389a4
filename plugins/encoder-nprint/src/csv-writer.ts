import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EncodingError, OutputExistsError, commitTempFile, tempPathFor, type WriteOptions } from '@netsynth/core';

/** The columns of an nPrint CSV (see NprintTable for their meaning). */
export interface NprintCsvHeader {
  indexColumn: string | null;
  extraColumns: readonly string[];
  columns: readonly string[];
}

const COMMA = 0x2c;
const LF = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;
const ONE = 0x31;

/** Rows are formatted into chunks of about this size before they are handed on. */
const CHUNK_BYTES = 4 << 20;
const EMPTY = Buffer.alloc(0);

/**
 * Formats nPrint CSV lines as nprint writes them (comma-separated, cells -1/0/1, `\n` after
 * every line) straight into bytes: no per-cell string, so a 1408-column row costs ~1 ns a
 * cell and memory is one chunk whatever the row count.
 */
export class NprintCsvFormatter {
  private buf: Buffer;
  private pos = 0;
  /** Rows formatted so far. */
  rows = 0;

  constructor(readonly header: NprintCsvHeader) {
    this.buf = EMPTY;
    const names: string[] = [];
    if (header.indexColumn !== null) names.push(header.indexColumn);
    names.push(...header.extraColumns, ...header.columns);
    this.text(`${names.join(',')}\n`);
  }

  /** Bytes formatted and not yet taken. */
  get pending(): number {
    return this.pos;
  }

  /**
   * Appends one row: `prefix` holds the index value (when the header has an index column)
   * and the extra columns' values; `cells[offset, offset + columns)` the bit cells.
   */
  row(prefix: readonly string[], cells: Int8Array, offset = 0): void {
    const width = this.header.columns.length;
    let need = 3 * width + 1;
    for (const s of prefix) need += Buffer.byteLength(s) + 1;
    this.reserve(need);
    const out = this.buf;
    let p = this.pos;
    for (const s of prefix) {
      p += out.write(s, p, 'utf8');
      out[p++] = COMMA;
    }
    for (let c = 0; c < width; c++) {
      const v = cells[offset + c];
      if (v === 0) {
        out[p] = ZERO;
      } else if (v === 1) {
        out[p] = ONE;
      } else if (v === -1) {
        out[p++] = MINUS;
        out[p] = ONE;
      } else {
        throw new EncodingError(`row ${this.rows + 1}, column ${this.header.columns[c]}: cell value ${v} is not -1, 0 or 1`);
      }
      out[p + 1] = COMMA;
      p += 2;
    }
    if (width > 0) out[p - 1] = LF;
    else out[p++] = LF;
    this.pos = p;
    this.rows++;
  }

  /** Hands over the formatted bytes (the caller's to keep) and starts a new chunk. */
  take(): Buffer {
    const bytes = this.buf.subarray(0, this.pos);
    // The next chunk is allocated by the next row: the taken one may still be on its way to disk.
    this.buf = EMPTY;
    this.pos = 0;
    return bytes;
  }

  private text(s: string): void {
    this.reserve(Buffer.byteLength(s));
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Starts a chunk, or grows it when one line does not fit (only for very wide rows). */
  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length > 0 ? this.buf.length * 2 : CHUNK_BYTES, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/**
 * Writes an nPrint CSV row by row, through a temporary file renamed into place by
 * `close()`: memory is one chunk whatever the size, a crash or `abort()` leaves no partial
 * output, and an existing file is only replaced with `force`.
 */
export class NprintCsvWriter {
  private readonly formatter: NprintCsvFormatter;
  private closed = false;
  /** The chunk being written while the next one is formatted (disk and CPU overlap). */
  private inflight: Promise<void> = Promise.resolve();
  private failure: unknown = undefined;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    readonly path: string,
    header: NprintCsvHeader,
    private readonly options: WriteOptions,
  ) {
    this.formatter = new NprintCsvFormatter(header);
  }

  static async open(path: string, header: NprintCsvHeader, options: WriteOptions = {}): Promise<NprintCsvWriter> {
    if (!options.force && existsSync(path)) throw new OutputExistsError(path);
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempPathFor(path);
    const fh = await open(tmp, 'wx');
    return new NprintCsvWriter(fh, tmp, path, header, options);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.formatter.rows;
  }

  /** Appends one row (see NprintCsvFormatter.row); writes to disk once a chunk is full. */
  async row(prefix: readonly string[], cells: Int8Array, offset = 0): Promise<void> {
    this.formatter.row(prefix, cells, offset);
    if (this.formatter.pending >= CHUNK_BYTES) await this.flush();
  }

  /** Waits for the chunk in flight, then starts writing the formatted bytes without waiting. */
  private async flush(): Promise<void> {
    await this.inflight;
    if (this.failure !== undefined) throw this.failure;
    const bytes = this.formatter.take();
    this.inflight = this.writeAll(bytes).catch((e: unknown) => {
      this.failure = e;
    });
  }

  /** Writes what is left and renames the file into place. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      await this.inflight;
      if (this.failure !== undefined) throw this.failure;
      this.closed = true;
      await this.fh.close();
      await commitTempFile(this.tmp, this.path, this.options);
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Drops the temporary file; the output is left as it was. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.inflight;
      await this.fh.close().catch(() => undefined);
    }
    await rm(this.tmp, { force: true });
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += (await this.fh.write(bytes, done, bytes.length - done)).bytesWritten;
  }
}
