import type { BitValue } from './bits.js';
import { iatToUnit, unitToIat } from './iat.js';
import { timingBitsToGapUs, writeTimingBits } from './timing-columns.js';

/**
 * How bits sit in a training tensor (values in [−1, 1], as diffusion models expect):
 * - `onehot3`: three channels (is-1, is-0, is-absent), the one that holds +1, the others −1;
 *   NetDiffusion's red/green/blue as the network sees it. Decoding takes the largest channel
 *   (ties 1, then 0, then −1).
 * - `signed1`: one channel holding the cell value −1/0/1. Decoding rounds to the nearest of
 *   the three (ties toward 1, then 0).
 * With inter-arrival times on, one more channel holds the row's log-scaled gap (iat.ts) in
 * every column of the row; decoding averages the row.
 * With timing columns (timing-columns.ts), the row's gap is also written as `timingColumns`
 * more bit cells right of the header bits, and decoding takes the gap from them: an RGB image
 * model generates those cells, not the IAT channel.
 */
export type TensorFormat = 'onehot3' | 'signed1';

export interface TensorShape {
  format: TensorFormat;
  /** Bit columns in the tensor's width, as indices into the full layout row. */
  columns: readonly number[];
  height: number;
  iat: boolean;
  iatMaxUs: number;
  /** Thermometer-coded gap cells after the bit columns (0: none). */
  timingColumns: number;
}

/** Tensor width: the bit columns, then the timing columns. */
export function tensorWidth(shape: Pick<TensorShape, 'columns' | 'timingColumns'>): number {
  return shape.columns.length + shape.timingColumns;
}

export function channelCount(shape: Pick<TensorShape, 'format' | 'iat'>): number {
  return (shape.format === 'onehot3' ? 3 : 1) + (shape.iat ? 1 : 0);
}

/** Writes one full layout row (and its gap) into tensor row y. */
export function writeTensorRow(data: Float32Array, shape: TensorShape, y: number, row: Int8Array | null, gapUs: number): void {
  const bits = shape.columns.length;
  const width = tensorWidth(shape);
  const plane = shape.height * width;
  const base = y * width;
  const timing = new Int8Array(shape.timingColumns);
  writeTimingBits(timing, 0, shape.timingColumns, row ? gapUs : null, shape.iatMaxUs);
  const cell = (x: number): number => (x >= bits ? (timing[x - bits] as number) : row ? (row[shape.columns[x] as number] as number) : -1);
  if (shape.format === 'onehot3') {
    for (let x = 0; x < width; x++) {
      const v = cell(x);
      data[base + x] = v === 1 ? 1 : -1;
      data[plane + base + x] = v === 0 ? 1 : -1;
      data[2 * plane + base + x] = v === -1 ? 1 : -1;
    }
  } else {
    for (let x = 0; x < width; x++) data[base + x] = cell(x);
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

/** Tensor row y → cells of its first `out.length` columns (`out[x]` for column x; the bit columns by default). */
export function readTensorRow(data: Float32Array, shape: TensorShape, y: number, out: Int8Array): void {
  const width = tensorWidth(shape);
  const plane = shape.height * width;
  const base = y * width;
  const n = Math.min(out.length, width);
  if (shape.format === 'onehot3') {
    for (let x = 0; x < n; x++) {
      out[x] = cellFromOnehot(data[base + x] as number, data[plane + base + x] as number, data[2 * plane + base + x] as number);
    }
  } else {
    for (let x = 0; x < n; x++) out[x] = cellFromSigned(data[base + x] as number);
  }
}

/** The gap (µs) tensor row y carries: from the timing columns when there are any, else the IAT channel, else 0. */
export function readTensorGap(data: Float32Array, shape: TensorShape, y: number): number {
  const width = tensorWidth(shape);
  if (shape.timingColumns > 0) {
    const cells = new Int8Array(width);
    readTensorRow(data, shape, y, cells);
    return timingBitsToGapUs(cells, shape.columns.length, shape.timingColumns, shape.iatMaxUs);
  }
  if (!shape.iat) return 0;
  const plane = shape.height * width;
  const start = (channelCount(shape) - 1) * plane + y * width;
  let sum = 0;
  for (let x = 0; x < width; x++) sum += data[start + x] as number;
  return unitToIat(sum / width, shape.iatMaxUs);
}
