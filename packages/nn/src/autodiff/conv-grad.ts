/**
 * Convolution gradients with standard ONNX ops (onnxruntime-node has no ConvGrad kernel).
 *
 * dX: a stride-1 convolution is differentiated as another Conv with the weight flipped and
 * its in/out channels swapped, which runs on onnxruntime's fast (NCHWc) conv path; strided
 * or dilated convolutions use ConvTranspose.
 *
 * dW: one batched GEMM per kernel offset, dY[n] (O×L) · X_shifted[n]ᵀ (L×C) summed over n,
 * then the k×k results are concatenated. Measured in the full U-Net step against im2col by
 * a depthwise one-hot Conv (onnxruntime runs grouped convs with a depth multiplier per
 * group: up to 60 ms for one layer), slice+concat im2col + one GEMM, and the "convolve X by
 * dY" trick (slow 3×3-output conv): this was the fastest; see README.
 */
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';

export interface ConvAttrs {
  strides: readonly number[];
  pads: readonly number[];
  dilations: readonly number[];
  group: number;
}

function spatial(a: readonly number[], sp: number, dflt: number): number[] {
  return Array.from({ length: sp }, (_, i) => a[i] ?? dflt);
}

export function convInputGrad(dY: Value, w: Value, xShape: readonly number[], at: ConvAttrs): Value {
  const sp = xShape.length - 2;
  const k = w.shape.slice(2);
  const s = spatial(at.strides, sp, 1);
  const d = spatial(at.dilations, sp, 1);
  const pb = spatial(at.pads, sp, 0);
  const pe = Array.from({ length: sp }, (_, i) => at.pads[i + sp] ?? 0);
  const g = at.group;
  const o = w.shape[0] as number;
  const cg = w.shape[1] as number;
  const simple = s.every((v) => v === 1) && d.every((v) => v === 1) && k.every((kk, i) => (pb[i] as number) <= kk - 1 && (pe[i] as number) <= kk - 1);
  if (simple) {
    let wt: Value;
    if (g === 1) wt = op.transpose(w, [1, 0, ...k.map((_, i) => i + 2)]);
    else {
      const r = op.reshape(w, [g, o / g, cg, ...k]);
      wt = op.reshape(op.transpose(r, [0, 2, 1, ...k.map((_, i) => i + 3)]), [g * cg, o / g, ...k]);
    }
    const axes = k.map((_, i) => i + 2);
    const flipped = op.slice(wt, axes.map(() => -1), k.map((kk) => -kk - 1), axes, axes.map(() => -1));
    const pads = [...k.map((kk, i) => kk - 1 - (pb[i] as number)), ...k.map((kk, i) => kk - 1 - (pe[i] as number))];
    return op.conv(dY, flipped, null, { pads, group: g });
  }
  const outputPadding = k.map((kk, i) => (xShape[2 + i] as number) - ((s[i] as number) * ((dY.shape[2 + i] as number) - 1) + (kk - 1) * (d[i] as number) + 1 - (pb[i] as number) - (pe[i] as number)));
  return op.convTranspose(dY, w, { strides: s, pads: [...pb, ...pe], dilations: d, group: g, outputPadding });
}

export function convWeightGrad(x: Value, dY: Value, wShape: readonly number[], at: ConvAttrs): Value {
  const sp = x.rank - 2;
  const k = wShape.slice(2);
  const s = spatial(at.strides, sp, 1);
  const d = spatial(at.dilations, sp, 1);
  const pb = spatial(at.pads, sp, 0);
  const pe = Array.from({ length: sp }, (_, i) => at.pads[i + sp] ?? 0);
  const g = at.group;
  const n = x.shape[0] as number;
  const c = x.shape[1] as number;
  const o = wShape[0] as number;
  const outSp = dY.shape.slice(2);
  const len = outSp.reduce((a, b) => a * b, 1);
  const pointwise = k.every((kk) => kk === 1) && pb.every((p) => p === 0) && pe.every((p) => p === 0);
  // The canvas makes every GEMM longer by the padded/unpadded area ratio: +13 % at 32×32
  // (break-even with slicing the larger X here), +27 % at 16×16 and +56 % at 8×8, where
  // slicing X wins (128→64 at 16×16: 12.4 vs 10.2 ms; at 8×8: 5.1 vs 3.4 ms, one thread).
  const areaRatio = x.shape.slice(2).reduce((a, v, i) => a * (v + (pb[i] as number) + (pe[i] as number)), 1) / x.shape.slice(2).reduce((a, v) => a * v, 1);
  if (g === 1 && !pointwise && areaRatio <= 1.15 && (wShape[0] as number) < c && s.every((v) => v === 1) && d.every((v) => v === 1)) return shiftedOutputWeightGrad(x, dY, wShape, pb, pe);
  const padded = pb.some((p) => p > 0) || pe.some((p) => p > 0);
  const xp = padded ? x.graph.add1('Pad', [x, x.graph.ints([0, 0, ...pb, 0, 0, ...pe])], x.shape.map((v, i) => (i < 2 ? v : v + (pb[i - 2] as number) + (pe[i - 2] as number)))) : x;
  const dyr = g === 1 ? op.reshape(dY, [n, o, len]) : op.reshape(dY, [n, g, o / g, len]);
  const offsets: number[][] = [[]];
  for (const kk of k) {
    const next: number[][] = [];
    for (const prefix of offsets) for (let a = 0; a < kk; a++) next.push([...prefix, a]);
    offsets.splice(0, offsets.length, ...next);
  }
  const parts = offsets.map((off) => {
    const axes = off.map((_, i) => i + 2);
    const starts = off.map((a, i) => a * (d[i] as number));
    const ends = off.map((_, i) => (starts[i] as number) + (s[i] as number) * ((outSp[i] as number) - 1) + 1);
    const needSlice = off.some((_, i) => (starts[i] as number) !== 0 || (ends[i] as number) !== (xp.shape[i + 2] as number) || (s[i] as number) !== 1);
    const xs = needSlice ? op.slice(xp, starts, ends, axes, s.some((v) => v !== 1) ? s : undefined) : xp;
    const xr = g === 1 ? op.reshape(xs, [n, c, len]) : op.reshape(xs, [n, g, c / g, len]);
    const prod = op.matmul(dyr, xr, { transB: true });
    return op.reshape(op.reduceSum(prod, [0], false), [o, c / g, 1]);
  });
  return op.reshape(op.concat(parts, 2), wShape);
}


/**
 * Stride-1 dW when the layer has fewer output than input channels: instead of k² shifted
 * copies of the (larger) input, dY is placed at each offset inside a zero canvas the size
 * of the padded input (one Pad per offset) and multiplied with the padded input itself:
 * Σ dY[y,x]·Xp[y+a,x+b] = Σ Pad_ab(dY)[y',x']·Xp[y',x'].
 */
function shiftedOutputWeightGrad(x: Value, dY: Value, wShape: readonly number[], pb: readonly number[], pe: readonly number[]): Value {
  const n = x.shape[0] as number;
  const c = x.shape[1] as number;
  const o = wShape[0] as number;
  const k = wShape.slice(2);
  const padSp = x.shape.slice(2).map((v, i) => v + (pb[i] as number) + (pe[i] as number));
  const lenP = padSp.reduce((a, b) => a * b, 1);
  const padded = pb.some((p) => p > 0) || pe.some((p) => p > 0);
  const xp = padded ? x.graph.add1('Pad', [x, x.graph.ints([0, 0, ...pb, 0, 0, ...pe])], [n, c, ...padSp]) : x;
  const xr = op.reshape(xp, [n, c, lenP]);
  const offsets: number[][] = [[]];
  for (const kk of k) {
    const next: number[][] = [];
    for (const prefix of offsets) for (let a = 0; a < kk; a++) next.push([...prefix, a]);
    offsets.splice(0, offsets.length, ...next);
  }
  const parts = offsets.map((off) => {
    const before = off;
    const after = off.map((a, i) => (padSp[i] as number) - (dY.shape[2 + i] as number) - a);
    const canvas = dY.graph.add1('Pad', [dY, dY.graph.ints([0, 0, ...before, 0, 0, ...after])], [n, o, ...padSp]);
    const prod = op.matmul(op.reshape(canvas, [n, o, lenP]), xr, { transB: true });
    return op.reshape(op.reduceSum(prod, [0], false), [o, c, 1]);
  });
  return op.reshape(op.concat(parts, 2), wShape);
}
