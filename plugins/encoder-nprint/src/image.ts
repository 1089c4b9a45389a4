import { InvalidArgumentError, type RenderedImage } from '@netsynth/core';
import type { BitValue } from './bits.js';
import { NETDIFFUSION_IMAGE_COLUMNS } from './layout.js';
import type { NprintTable } from './table.js';

/** NetDiffusion's colours: 1 red, 0 green, -1 (and padding) blue, all opaque. */
export const BIT_COLOURS: Readonly<Record<BitValue, readonly [number, number, number, number]>> = {
  1: [255, 0, 0, 255],
  0: [0, 255, 0, 255],
  [-1]: [0, 0, 255, 255],
};

/** NetDiffusion's image height: 1024 packet rows. */
export const NETDIFFUSION_IMAGE_HEIGHT = 1024;

const ADDRESS_RE = /^ipv(4|6)_(src|dst)_\d+$/;

/** The columns NetDiffusion's image keeps: every bit column but the addresses, in order. */
export function imageColumnsOf(columns: readonly string[]): string[] {
  return columns.filter((c) => !ADDRESS_RE.test(c));
}

/**
 * A table's NetDiffusion picture: `src_ip` and address columns dropped, one pixel per
 * bit, one row per packet, rows after the last packet blue (padding). 1408-column
 * NetDiffusion rows give the 1088×1024 image.
 */
export function rowsToImage(table: NprintTable, options: { height?: number } = {}): RenderedImage {
  const height = options.height ?? NETDIFFUSION_IMAGE_HEIGHT;
  if (table.rowCount > height) {
    throw new InvalidArgumentError(`the table has ${table.rowCount} rows, more than the image height ${height}`);
  }
  const keep: number[] = [];
  table.columns.forEach((c, i) => {
    if (!ADDRESS_RE.test(c)) keep.push(i);
  });
  const width = keep.length;
  const rgba = new Uint8Array(width * height * 4);
  const w = table.columns.length;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (y < table.rowCount ? table.bits[y * w + (keep[x] as number)] : -1) as BitValue;
      rgba.set(BIT_COLOURS[v], (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
}

/**
 * How a generated pixel becomes a bit.
 * - `netdiffusion`: NetDiffusion's code — r > 0, g < 160, b < 100 is red (1); its green and
 *   blue tests also demand r < 0 and never hold; everything else goes to the largest
 *   channel, ties red, then green, then blue. Reproduces NetDiffusion's snapped files.
 * - `largest`: the largest channel alone (ties red, green, blue).
 */
export type SnapMode = 'netdiffusion' | 'largest';

export function snapPixel(r: number, g: number, b: number, mode: SnapMode = 'netdiffusion'): BitValue {
  if (mode === 'netdiffusion' && r > 0 && g < 160 && b < 100) return 1;
  if (r >= g && r >= b) return 1;
  if (g >= b) return 0;
  return -1;
}

/** The colour-processed picture: every pixel snapped to pure red, green or blue. */
export function snapImage(image: RenderedImage, mode: SnapMode = 'netdiffusion'): RenderedImage {
  const n = image.width * image.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    rgba.set(BIT_COLOURS[snapPixel(image.rgba[o] as number, image.rgba[o + 1] as number, image.rgba[o + 2] as number, mode)], o);
  }
  return { width: image.width, height: image.height, rgba };
}

export interface ImageToRowsOptions {
  /** Column names of the image's pixels, left to right (default NetDiffusion's 1088). */
  columns?: readonly string[];
  snap?: SnapMode;
}

/**
 * A (generated) picture → rows of snapped bits, one per pixel row, padding rows included
 * (rowsToPackets stops at the first). The table has a pandas-style unnamed index column
 * holding the row number, exactly as NetDiffusion's snapped CSVs (`,ipv4_ver_0,…`).
 */
export function imageToRows(image: RenderedImage, options: ImageToRowsOptions = {}): NprintTable {
  const columns = options.columns ?? NETDIFFUSION_IMAGE_COLUMNS;
  const mode = options.snap ?? 'netdiffusion';
  if (image.width !== columns.length) {
    throw new InvalidArgumentError(`the image is ${image.width} pixels wide, the columns are ${columns.length}`);
  }
  const n = image.width * image.height;
  if (image.rgba.length < n * 4)
    throw new InvalidArgumentError(`the image holds ${image.rgba.length} bytes, ${image.width}×${image.height} RGBA needs ${n * 4}`);
  const bits = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    bits[i] = snapPixel(image.rgba[o] as number, image.rgba[o + 1] as number, image.rgba[o + 2] as number, mode);
  }
  const index = Array.from({ length: image.height }, (_, r) => String(r));
  return { indexColumn: '', extraColumns: [], columns: [...columns], index, extras: index.map(() => []), bits, rowCount: image.height };
}
