/** A bit cell of an nPrint row: 1, 0, or -1 (header absent / beyond its length). */
export type BitValue = -1 | 0 | 1;

/** Writes `count` bytes of `src` from `srcOffset` as bits, most significant first. */
export function writeByteBits(src: Uint8Array, srcOffset: number, count: number, out: Int8Array, outOffset: number): void {
  let o = outOffset;
  for (let i = 0; i < count; i++) {
    const byte = src[srcOffset + i] as number;
    out[o] = (byte >> 7) & 1;
    out[o + 1] = (byte >> 6) & 1;
    out[o + 2] = (byte >> 5) & 1;
    out[o + 3] = (byte >> 4) & 1;
    out[o + 4] = (byte >> 3) & 1;
    out[o + 5] = (byte >> 2) & 1;
    out[o + 6] = (byte >> 1) & 1;
    out[o + 7] = byte & 1;
    o += 8;
  }
}

/** Packs `bitCount` 0/1 cells (a multiple of 8) into `dst`, most significant bit first. */
export function packBits(bits: Int8Array, start: number, bitCount: number, dst: Uint8Array, dstOffset: number): void {
  for (let i = 0; i < bitCount; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | ((bits[start + i + j] as number) & 1);
    dst[dstOffset + (i >> 3)] = byte;
  }
}

/** Reads `width` 0/1 cells as an unsigned big-endian number (width ≤ 32). */
export function readBitsUint(bits: Int8Array, start: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 2 + ((bits[start + i] as number) & 1);
  return v;
}

/** Number of leading cells of `bits[start, start+width)` that are not -1. */
export function presentPrefix(bits: Int8Array, start: number, width: number): number {
  let n = 0;
  while (n < width && bits[start + n] !== -1) n++;
  return n;
}

/** Index (relative to `start`) of the first non -1 cell at or after `from`, or -1. */
export function firstPresentFrom(bits: Int8Array, start: number, width: number, from: number): number {
  for (let i = from; i < width; i++) if (bits[start + i] !== -1) return i;
  return -1;
}
