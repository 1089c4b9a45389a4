/**
 * How encoder images map onto the network's input: dims 2 takes C×H×W as is, dims 1 takes
 * C×1×L as C channels of length L. Each spatial side is padded (at the end, with the low end
 * of the encoder's value range) up to a multiple of 2^(levels−1) so every level halves
 * evenly; samples are cropped back to the encoder's shape.
 */
import { InvalidArgumentError, type EncoderInfo } from '@netsynth/core';

export interface Geometry {
  dims: 1 | 2;
  channels: number;
  /** The encoder's image: height, width. */
  height: number;
  width: number;
  /** Network input spatial size: [H', W'] or [L']. */
  size: number[];
  padValue: number;
}

export function imageSides(info: EncoderInfo, dims: 1 | 2): number[] {
  if (dims === 1) {
    if (info.height !== 1)
      throw new InvalidArgumentError(`dims: 1 needs series tensors of height 1 (C×1×L); the encoder makes ${info.channels}×${info.height}×${info.width}`, {
        configPath: 'generator.options.dims',
      });
    return [info.width];
  }
  return [info.height, info.width];
}

export function makeGeometry(info: EncoderInfo, dims: 1 | 2, levels: number): Geometry {
  const m = 2 ** (levels - 1);
  const sides = imageSides(info, dims);
  return { dims, channels: info.channels, height: info.height, width: info.width, size: sides.map((s) => Math.ceil(s / m) * m), padValue: info.valueRange[0] };
}

export function sampleSize(g: Geometry): number {
  return g.channels * g.size.reduce((a, b) => a * b, 1);
}

/** Copies one C×H×W image into the padded network layout at `out[offset…]`. */
export function padInto(g: Geometry, src: Float32Array, out: Float32Array, offset: number): void {
  const [ph, pw] = g.dims === 2 ? (g.size as [number, number]) : [1, g.size[0] as number];
  const { channels: c, height: h, width: w } = g;
  if (ph === h && pw === w) {
    out.set(src, offset);
    return;
  }
  out.fill(g.padValue, offset, offset + c * ph * pw);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) out.set(src.subarray((ch * h + y) * w, (ch * h + y + 1) * w), offset + (ch * ph + y) * pw);
}

/** The encoder-shaped image at `src[offset…]` of a padded batch. */
export function cropFrom(g: Geometry, src: Float32Array, offset: number): Float32Array {
  const [ph, pw] = g.dims === 2 ? (g.size as [number, number]) : [1, g.size[0] as number];
  const { channels: c, height: h, width: w } = g;
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) out.set(src.subarray(offset + (ch * ph + y) * pw, offset + (ch * ph + y) * pw + w), (ch * h + y) * w);
  return out;
}
