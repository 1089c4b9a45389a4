import { createImageTensor, type EncoderInfo, type ImageTensor } from '@netsynth/core';

/** The nPrint encoder's info for one-hot tensors (what the SD generator passes to prepare()). */
export const ONEHOT_INFO: EncoderInfo = {
  channels: 3,
  height: 0,
  width: 0,
  valueRange: [-1, 1],
  metadata: { encoding: 'nprint', tensor: 'onehot3', channelNames: ['bit=1', 'bit=0', 'bit=-1'] },
};

/**
 * An nPrint-like one-hot reference whose first `rows` rows are packets (bits 0/1 in a
 * seeded-looking pattern) and the rest padding (-1): its structure map is lit above `rows`.
 */
export function nprintReference(size: number, rows: number): ImageTensor {
  const t = createImageTensor(3, size, size);
  const plane = size * size;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const k = y < rows ? ((x * 7 + y * 3) % 5 < 2 ? 0 : 1) : 2;
      for (let c = 0; c < 3; c++) t.data[c * plane + y * size + x] = c === k ? 1 : -1;
    }
  return t;
}

/** Share of the squared difference of two [B,3,H,W] batches lying in rows < split, per batch item. */
export function topShare(a: Float32Array, b: Float32Array, dims: readonly number[], split: number): number[] {
  const [n, c, h, w] = dims as [number, number, number, number];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let top = 0;
    let all = 0;
    for (let k = 0; k < c; k++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const j = ((i * c + k) * h + y) * w + x;
          const d = ((a[j] as number) - (b[j] as number)) ** 2;
          all += d;
          if (y < split) top += d;
        }
    out.push(all === 0 ? Number.NaN : top / all);
  }
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
