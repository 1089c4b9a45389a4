import type { ImageTensor } from '@netsynth/core';

/**
 * Area (box) resize of every channel to height × width: each output pixel is the mean of the
 * source pixels it covers (at least one). Shrinking a tall nPrint image (1024 packet rows ×
 * ~1000 bit columns) this way keeps every bit's contribution, where nearest neighbour would
 * drop most rows and columns.
 */
export function areaResize(t: ImageTensor, height: number, width: number): Float32Array {
  const out = new Float32Array(t.channels * height * width);
  let o = 0;
  for (let c = 0; c < t.channels; c++) {
    for (let y = 0; y < height; y++) {
      const y0 = Math.min(t.height - 1, Math.floor((y * t.height) / height));
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * t.height) / height));
      for (let x = 0; x < width; x++) {
        const x0 = Math.min(t.width - 1, Math.floor((x * t.width) / width));
        const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * t.width) / width));
        let s = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += t.data[(c * t.height + yy) * t.width + xx] as number;
        out[o++] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return out;
}

export type ResizeMode = 'nearest' | 'bilinear' | 'area';

/** Source value of channel `c` at (y, x) after adapting the channel count (1 → n by repetition, n → 1 by mean). */
function at(t: ImageTensor, channels: number, c: number, y: number, x: number): number {
  if (t.channels === channels) return t.data[(c * t.height + y) * t.width + x] as number;
  if (t.channels === 1) return t.data[y * t.width + x] as number;
  let v = 0;
  for (let k = 0; k < t.channels; k++) v += t.data[(k * t.height + y) * t.width + x] as number;
  return v / t.channels;
}

/**
 * One image into a model's [C, H, W] input slot: channel adaptation, resize (nearest,
 * bilinear with half-pixel centres as PyTorch's `align_corners=False`, or area), then
 * value = ((v · scale + shift) − mean[c]) / std[c].
 */
export function adaptImage(
  t: ImageTensor,
  channels: number,
  height: number,
  width: number,
  mode: ResizeMode,
  scale: number,
  shift: number,
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const src: ImageTensor = mode === 'area' && (t.height !== height || t.width !== width) ? { ...t, height, width, data: areaResize(t, height, width) } : t;
  for (let c = 0; c < channels; c++) {
    const m = mean[c % Math.max(1, mean.length)] ?? 0;
    const sd = std[c % Math.max(1, std.length)] ?? 1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v: number;
        if (src.height === height && src.width === width) v = at(src, channels, c, y, x);
        else if (mode === 'bilinear') {
          const fy = Math.min(Math.max(((y + 0.5) * src.height) / height - 0.5, 0), src.height - 1);
          const fx = Math.min(Math.max(((x + 0.5) * src.width) / width - 0.5, 0), src.width - 1);
          const y0 = Math.floor(fy);
          const x0 = Math.floor(fx);
          const y1 = Math.min(y0 + 1, src.height - 1);
          const x1 = Math.min(x0 + 1, src.width - 1);
          const dy = fy - y0;
          const dx = fx - x0;
          v =
            (1 - dy) * ((1 - dx) * at(src, channels, c, y0, x0) + dx * at(src, channels, c, y0, x1)) +
            dy * ((1 - dx) * at(src, channels, c, y1, x0) + dx * at(src, channels, c, y1, x1));
        } else {
          const sy = Math.min(src.height - 1, Math.floor((y * src.height) / height));
          const sx = Math.min(src.width - 1, Math.floor((x * src.width) / width));
          v = at(src, channels, c, sy, sx);
        }
        out[offset + (c * height + y) * width + x] = (v * scale + shift - m) / sd;
      }
    }
  }
}
