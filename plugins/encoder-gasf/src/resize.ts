import { InvalidArgumentError } from '@netsynth/core';

/**
 * One axis of an area resize: `taps[d]` lists the source indices output index `d` reads
 * and their weights.
 */
export interface AxisTaps {
  sourceSize: number;
  targetSize: number;
  /** 'area' when the axis shrinks (or keeps its size), 'linear' for OpenCV's zoom emulation. */
  mode: 'area' | 'linear';
  taps: { source: number; weight: number }[][];
}

function checkSize(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${value}`);
  }
}

/**
 * OpenCV's `computeResizeAreaTab` (imgproc/src/resize.cpp), for shrinking: output pixel d
 * covers source interval [d·s, (d+1)·s) with s = source/target, and takes the mean of the
 * source pixels weighted by how much of each the interval covers. As in OpenCV, a partial
 * pixel covered by 1e-3 or less is left out, and weights are divided by the cell width
 * (s, or what is left of the source at the last cell).
 */
function shrinkTaps(ssize: number, dsize: number): AxisTaps['taps'] {
  const scale = scaleOf(ssize, dsize);
  const taps: AxisTaps['taps'] = [];
  for (let dx = 0; dx < dsize; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = Math.min(scale, ssize - fsx1);
    let sx1 = Math.ceil(fsx1);
    let sx2 = Math.floor(fsx2);
    sx2 = Math.min(sx2, ssize - 1);
    sx1 = Math.min(sx1, sx2);
    const row: { source: number; weight: number }[] = [];
    if (sx1 - fsx1 > 1e-3) row.push({ source: sx1 - 1, weight: (sx1 - fsx1) / cellWidth });
    for (let sx = sx1; sx < sx2; sx++) row.push({ source: sx, weight: 1 / cellWidth });
    if (fsx2 - sx2 > 1e-3) row.push({ source: sx2, weight: Math.min(fsx2 - sx2, 1, cellWidth) / cellWidth });
    taps.push(row);
  }
  return taps;
}

/**
 * What OpenCV's INTER_AREA does when an axis grows ("true area interpolation is only
 * implemented for shrinking; otherwise it is emulated using some variant of bilinear
 * interpolation"): output d reads source sx = floor(d·s) and sx+1 with
 * fx = (d+1) − (sx+1)/s, taken modulo 1 and 0 when not positive; indices past the last
 * pixel are clamped to it. Each output pixel is still the area-weighted mean of the source
 * pixels its cell covers.
 */
function zoomTaps(ssize: number, dsize: number): AxisTaps['taps'] {
  const invScale = dsize / ssize;
  const scale = scaleOf(ssize, dsize);
  const taps: AxisTaps['taps'] = [];
  for (let dx = 0; dx < dsize; dx++) {
    let sx = Math.floor(dx * scale);
    let fx = dx + 1 - (sx + 1) * invScale;
    fx = fx <= 0 ? 0 : fx - Math.floor(fx);
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx >= ssize - 1) {
      taps.push([{ source: ssize - 1, weight: 1 }]);
      continue;
    }
    const row = [{ source: sx, weight: 1 - fx }];
    if (fx > 0) row.push({ source: sx + 1, weight: fx });
    taps.push(row);
  }
  return taps;
}

/** Source pixels per output pixel, computed as OpenCV does (1 / (dsize / ssize)), so edge cases round alike. */
function scaleOf(ssize: number, dsize: number): number {
  return 1 / (dsize / ssize);
}

function isIntegerScale(ssize: number, dsize: number): boolean {
  const scale = scaleOf(ssize, dsize);
  return Math.abs(scale - Math.round(scale)) < Number.EPSILON;
}

/**
 * Taps of one axis of an INTER_AREA resize from `sourceSize` to `targetSize`. `zoom` says
 * whether either axis of the 2-D resize grows (OpenCV then uses its bilinear emulation on
 * both axes).
 */
export function areaTaps(sourceSize: number, targetSize: number, zoom = sourceSize < targetSize): AxisTaps {
  checkSize(sourceSize, 'source size');
  checkSize(targetSize, 'target size');
  if (!zoom) {
    // Integer factors are OpenCV's fast path: plain block means, which the table gives too.
    const taps = isIntegerScale(sourceSize, targetSize)
      ? Array.from({ length: targetSize }, (_, d) => {
          const s = Math.round(scaleOf(sourceSize, targetSize));
          return Array.from({ length: s }, (_, k) => ({ source: d * s + k, weight: 1 / s }));
        })
      : shrinkTaps(sourceSize, targetSize);
    return { sourceSize, targetSize, mode: 'area', taps };
  }
  return { sourceSize, targetSize, mode: 'linear', taps: zoomTaps(sourceSize, targetSize) };
}

/**
 * Resizes a single-channel row-major image with OpenCV's INTER_AREA semantics, in double
 * precision. Shrinking (any factor, integer or not): each output pixel is the area-weighted
 * mean of the input pixels it covers. Growing: OpenCV's bilinear emulation (see zoomTaps).
 */
export function areaResize(source: ArrayLike<number>, sourceHeight: number, sourceWidth: number, targetHeight: number, targetWidth: number): Float64Array {
  checkSize(sourceHeight, 'source height');
  checkSize(sourceWidth, 'source width');
  if (source.length !== sourceHeight * sourceWidth) {
    throw new InvalidArgumentError(`image has ${source.length} values, ${sourceHeight}×${sourceWidth} needs ${sourceHeight * sourceWidth}`);
  }
  const zoom = sourceHeight < targetHeight || sourceWidth < targetWidth;
  const xs = areaTaps(sourceWidth, targetWidth, zoom);
  const ys = areaTaps(sourceHeight, targetHeight, zoom);
  // Horizontal pass into sourceHeight × targetWidth, then the vertical pass.
  const rows = new Float64Array(sourceHeight * targetWidth);
  for (let y = 0; y < sourceHeight; y++) {
    const base = y * sourceWidth;
    for (let dx = 0; dx < targetWidth; dx++) {
      let sum = 0;
      for (const tap of xs.taps[dx] ?? []) sum += tap.weight * (source[base + tap.source] as number);
      rows[y * targetWidth + dx] = sum;
    }
  }
  const out = new Float64Array(targetHeight * targetWidth);
  for (let dy = 0; dy < targetHeight; dy++) {
    for (const tap of ys.taps[dy] ?? []) {
      const from = tap.source * targetWidth;
      const to = dy * targetWidth;
      for (let dx = 0; dx < targetWidth; dx++) out[to + dx] = (out[to + dx] as number) + tap.weight * (rows[from + dx] as number);
    }
  }
  return out;
}
