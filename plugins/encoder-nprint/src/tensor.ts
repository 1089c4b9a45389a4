import type { BitValue } from './bits.js';
import { iatToUnit, unitToIat } from './iat.js';

/**
 * How bits sit in a training tensor (values in [−1, 1], as diffusion models expect):
 * - `onehot3`: three channels (is-1, is-0, is-absent), the one that holds +1, the others −1;
 *   NetDiffusion's red/green/blue as the network sees it. Decoding takes the largest channel
 *   (ties 1, then 0, then −1).
 * - `signed1`: one channel holding the cell value −1/0/1. Decoding rounds to the nearest of
 *   the three (ties toward 1, then 0).
 * With inter-arrival times on, one more channel holds the row's log-scaled gap (iat.ts) in
 * every column of the row; decoding averages the row.
 */
export type TensorFormat = 'onehot3' | 'signed1';

export interface TensorShape {
  format: TensorFormat;
  /** Bit columns in the tensor's width, as indices into the full layout row. */
  columns: readonly number[];
  height: number;
  iat: boolean;
  iatMaxUs: number;
}

export function channelCount(shape: Pick<TensorShape, 'format' | 'iat'>): number {
  return (shape.format === 'onehot3' ? 3 : 1) + (shape.iat ? 1 : 0);
}

/** Writes one full layout row (and its gap) into tensor row y. */
export function writeTensorRow(data: Float32Array, shape: TensorShape, y: number, row: Int8Array | null, gapUs: number): void {
  const width = shape.columns.length;
  const plane = shape.height * width;
  const base = y * width;
  if (shape.format === 'onehot3') {
    for (let x = 0; x < width; x++) {
      const v = row ? (row[shape.columns[x] as number] as number) : -1;
      data[base + x] = v === 1 ? 1 : -1;
      data[plane + base + x] = v === 0 ? 1 : -1;
      data[2 * plane + base + x] = v === -1 ? 1 : -1;
    }
  } else {
    for (let x = 0; x < width; x++) data[base + x] = row ? (row[shape.columns[x] as number] as number) : -1;
  }
  if (shape.iat) {
    const c = channelCount(shape) - 1;
    data.fill(row ? iatToUnit(gapUs, shape.iatMaxUs) : -1, c * plane + base, c * plane + base + width);
  }
}

export function cellFromOnehot(one: number, zero: number, absent: number): BitValue {
  if (one >= zero && one >= absent) return 1;
  if (zero >= absent) return 0;
  return -1;
}

export function cellFromSigned(v: number): BitValue {
  if (v >= 0.5) return 1;
  if (v >= -0.5) return 0;
  return -1;
}

/** Tensor row y → bits of the tensor's columns (`out[x]` for column x). */
export function readTensorRow(data: Float32Array, shape: TensorShape, y: number, out: Int8Array): void {
  const width = shape.columns.length;
  const plane = shape.height * width;
  const base = y * width;
  if (shape.format === 'onehot3') {
    for (let x = 0; x < width; x++) {
      out[x] = cellFromOnehot(data[base + x] as number, data[plane + base + x] as number, data[2 * plane + base + x] as number);
    }
  } else {
    for (let x = 0; x < width; x++) out[x] = cellFromSigned(data[base + x] as number);
  }
}

/** The gap (µs) tensor row y carries, or 0 without an IAT channel. */
export function readTensorGap(data: Float32Array, shape: TensorShape, y: number): number {
  if (!shape.iat) return 0;
  const width = shape.columns.length;
  const plane = shape.height * width;
  const start = (channelCount(shape) - 1) * plane + y * width;
  let sum = 0;
  for (let x = 0; x < width; x++) sum += data[start + x] as number;
  return unitToIat(sum / width, shape.iatMaxUs);
}
