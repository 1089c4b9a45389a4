import type { FileHandle } from 'node:fs/promises';

const DEFAULT_CHUNK = 1 << 20;

/**
 * A forward-only window over a file: reads fixed-size chunks through a file handle and
 * keeps only the unconsumed tail, so memory stays at one chunk (or one record, when a
 * record is larger than a chunk) whatever the file size.
 */
export class ChunkedFile {
  /** Current buffer; valid bytes are `[pos, end)`. Never hold a view across `ensure`. */
  buf: Buffer;
  pos = 0;
  end = 0;
  /** File offset of `buf[pos]`. */
  private base = 0;
  private readPos = 0;
  private atEof = false;
  /** Bytes pulled from the file so far (for progress). */
  bytesRead = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly chunkSize = DEFAULT_CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** File offset of the next unconsumed byte. */
  get offset(): number {
    return this.base;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** Makes at least `n` bytes available at `pos`; false when the file ends first. */
  async ensure(n: number): Promise<boolean> {
    if (this.end - this.pos >= n) return true;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.chunkSize));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    } else if (this.buf.length > this.chunkSize && n <= this.chunkSize && this.end <= this.chunkSize) {
      // A huge record grew the buffer earlier; give the memory back.
      const normal = Buffer.allocUnsafe(this.chunkSize);
      this.buf.copy(normal, 0, 0, this.end);
      this.buf = normal;
    }
    while (this.end < n && !this.atEof) {
      const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.readPos);
      if (bytesRead === 0) {
        this.atEof = true;
        break;
      }
      this.end += bytesRead;
      this.readPos += bytesRead;
      this.bytesRead += bytesRead;
    }
    return this.end - this.pos >= n;
  }

  /** Consumes `n` bytes; bytes not yet read are skipped without reading them. */
  skip(n: number): void {
    const here = this.end - this.pos;
    if (n <= here) {
      this.pos += n;
    } else {
      this.readPos += n - here;
      this.pos = 0;
      this.end = 0;
    }
    this.base += n;
  }

  /** True when every byte of the file has been consumed. */
  async atEnd(): Promise<boolean> {
    return !(await this.ensure(1));
  }
}
