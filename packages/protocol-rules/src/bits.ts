/**
 * Big-endian access to header fields by bit offset. Header fields in IPv4/TCP/UDP/ICMP are
 * packed MSB-first, so one reader/writer covers 1-bit flags, 4-bit nibbles, 13-bit fragment
 * offsets and 32-bit sequence numbers alike. Reads past the end of `data` read zeros; writes
 * past the end are dropped (callers check `fits` first when that matters).
 */

/** Reads `width` (1..32) bits starting `bitOffset` bits into `data`, as an unsigned number. */
export function readBits(data: Uint8Array, bitOffset: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) {
    const bit = bitOffset + i;
    const byte = data[bit >>> 3] ?? 0;
    value = value * 2 + ((byte >>> (7 - (bit & 7))) & 1);
  }
  return value;
}

/** Writes the low `width` (1..32) bits of `value` at `bitOffset`, MSB first. */
export function writeBits(data: Uint8Array, bitOffset: number, width: number, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    const bit = bitOffset + i;
    const index = bit >>> 3;
    if (index < data.length) {
      const mask = 1 << (7 - (bit & 7));
      const current = data[index] ?? 0;
      data[index] = v % 2 === 1 ? current | mask : current & ~mask;
    }
    v = Math.floor(v / 2);
  }
}

export function be16(d: Uint8Array, i: number): number {
  return ((d[i] ?? 0) << 8) | (d[i + 1] ?? 0);
}

export function be32(d: Uint8Array, i: number): number {
  return (((d[i] ?? 0) << 24) | ((d[i + 1] ?? 0) << 16) | ((d[i + 2] ?? 0) << 8) | (d[i + 3] ?? 0)) >>> 0;
}

export function setBe16(d: Uint8Array, i: number, v: number): void {
  d[i] = (v >>> 8) & 0xff;
  d[i + 1] = v & 0xff;
}

/** Hamming distance between the low `width` bits of two numbers. */
export function bitDistance(a: number, b: number, width = 32): number {
  let x = a;
  let y = b;
  let n = 0;
  for (let i = 0; i < width; i++) {
    if (x % 2 !== y % 2) n++;
    x = Math.floor(x / 2);
    y = Math.floor(y / 2);
  }
  return n;
}

/** Serial-number arithmetic (RFC 1982) on 32-bit sequence numbers: b - a as a signed distance. */
export function seqDiff(a: number, b: number): number {
  const d = (b - a) >>> 0;
  return d >= 0x80000000 ? d - 0x100000000 : d;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
