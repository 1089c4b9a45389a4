import { InvalidArgumentError } from '@netsynth/core';

/**
 * Area (box) resampling of one plane: every output pixel is the mean of the source region it
 * covers, partial source pixels weighted by the fraction covered. Shrinking 1088×1024 nPrint
 * maps to a pipeline size this way keeps a mask's meaning (the share of present bits under a
 * pixel) instead of picking one bit per pixel; growing it repeats source pixels (each output
 * cell lies inside one or two source cells).
 */
export function areaResizePlane(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  if (src.length !== sw * sh) throw new InvalidArgumentError(`plane has ${src.length} values, ${sw}×${sh} needs ${sw * sh}`);
  if (!Number.isInteger(dw) || !Number.isInteger(dh) || dw <= 0 || dh <= 0)
    throw new InvalidArgumentError(`target size must be positive integers, got ${dw}×${dh}`);
  const xt = axisTaps(sw, dw);
  const yt = axisTaps(sh, dh);
  // Rows first into a dh × sw buffer, then columns: separable, so O(pixels · taps).
  const mid = new Float32Array(dh * sw);
  for (let y = 0; y < dh; y++) {
    for (const [sy, wy] of yt[y] ?? []) {
      const srow = sy * sw;
      const mrow = y * sw;
      for (let x = 0; x < sw; x++) mid[mrow + x] = (mid[mrow + x] ?? 0) + wy * (src[srow + x] ?? 0);
    }
  }
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (const [sx, wx] of xt[x] ?? []) s += wx * (mid[y * sw + sx] ?? 0);
      out[y * dw + x] = s;
    }
  }
  return out;
}

/** Source indices and weights (summing to 1) for each output index of one axis. */
function axisTaps(ssize: number, dsize: number): [number, number][][] {
  const scale = ssize / dsize;
  const taps: [number, number][][] = [];
  for (let d = 0; d < dsize; d++) {
    const a = d * scale;
    const b = a + scale;
    const row: [number, number][] = [];
    for (let s = Math.floor(a); s < Math.min(ssize, Math.ceil(b)); s++) {
      const overlap = Math.min(b, s + 1) - Math.max(a, s);
      if (overlap > 1e-9) row.push([s, overlap / scale]);
    }
    taps.push(row);
  }
  return taps;
}
