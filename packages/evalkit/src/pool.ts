import type { ImageTensor } from '@netsynth/core';

/**
 * Channel `c` of an image average-pooled to `oh` × `ow` cells, row by row. Cell edges are
 * floor-spaced and every cell covers at least one pixel, so pooling to more cells than the
 * image has repeats pixels instead of dividing by zero. Shared by the evaluators that compare
 * images through a small fixed vector (FD's pooled features, the privacy audit's image points).
 */
export function averagePool(t: ImageTensor, c: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const y0 = Math.floor((y * t.height) / oh);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * t.height) / oh));
    for (let x = 0; x < ow; x++) {
      const x0 = Math.floor((x * t.width) / ow);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * t.width) / ow));
      let s = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += t.data[(c * t.height + yy) * t.width + xx] as number;
      out[y * ow + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}
