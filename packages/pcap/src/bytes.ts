/**
 * Big-endian field readers for packet bytes. Callers check bounds first (the dissector
 * never reads past `data.length`); the `?? 0` only satisfies noUncheckedIndexedAccess.
 */
export function be16(d: Uint8Array, i: number): number {
  return ((d[i] ?? 0) << 8) | (d[i + 1] ?? 0);
}

export function be32(d: Uint8Array, i: number): number {
  return (((d[i] ?? 0) << 24) | ((d[i + 1] ?? 0) << 16) | ((d[i + 2] ?? 0) << 8) | (d[i + 3] ?? 0)) >>> 0;
}

export function le16(d: Uint8Array, i: number): number {
  return (d[i] ?? 0) | ((d[i + 1] ?? 0) << 8);
}

export function le32(d: Uint8Array, i: number): number {
  return ((d[i] ?? 0) | ((d[i + 1] ?? 0) << 8) | ((d[i + 2] ?? 0) << 16) | ((d[i + 3] ?? 0) << 24)) >>> 0;
}

export function setBe16(d: Uint8Array, i: number, v: number): void {
  d[i] = (v >>> 8) & 0xff;
  d[i + 1] = v & 0xff;
}

export function setBe32(d: Uint8Array, i: number, v: number): void {
  d[i] = (v >>> 24) & 0xff;
  d[i + 1] = (v >>> 16) & 0xff;
  d[i + 2] = (v >>> 8) & 0xff;
  d[i + 3] = v & 0xff;
}

/** A shared zero-length array (nothing can be written into it). */
export const EMPTY_BYTES = new Uint8Array(0);

/** How the reader hands out a record's bytes: owned copies (ByteArena) or views (BORROWED_BYTES). */
export interface RecordBytes {
  take(src: Buffer, start: number, end: number): Uint8Array;
}

/**
 * Views into the reader's own buffer, no copy: valid only until the next batch is read
 * (`ReadCaptureOptions.transientData`), for one-pass consumers that keep no packet.
 */
export const BORROWED_BYTES: RecordBytes = {
  take: (src, start, end) => new Uint8Array(src.buffer, src.byteOffset + start, end - start),
};

const ARENA_SLAB = 64 * 1024;
const ARENA_MAX_ITEM = 4 * 1024;

/**
 * Hands out copies of small byte ranges carved from shared 64 KiB slabs, like Node's
 * Buffer pool: one allocation per slab instead of one ArrayBuffer per packet, which is the
 * reader's main cost otherwise. Each copy is a distinct, never-reused region, so it is
 * safe to keep and modify; users must honour `byteOffset` when touching `.buffer`.
 * Ranges over 4 KiB get their own buffer.
 */
export class ByteArena implements RecordBytes {
  private slab = new ArrayBuffer(ARENA_SLAB);
  private slabBytes = new Uint8Array(this.slab);
  private used = 0;

  take(src: Buffer, start: number, end: number): Uint8Array {
    const len = end - start;
    if (len > ARENA_MAX_ITEM) {
      const own = new Uint8Array(len);
      src.copy(own, 0, start, end);
      return own;
    }
    if (this.used + len > ARENA_SLAB) {
      this.slab = new ArrayBuffer(ARENA_SLAB);
      this.slabBytes = new Uint8Array(this.slab);
      this.used = 0;
    }
    const out = new Uint8Array(this.slab, this.used, len);
    src.copy(this.slabBytes, this.used, start, end);
    this.used += (len + 7) & ~7;
    return out;
  }
}
