/**
 * Convolution gradients with standard ONNX ops (onnxruntime-node has no ConvGrad kernel).
 *
 * dX: a stride-1 convolution is differentiated as another Conv with the weight flipped and
 * its in/out channels swapped, which runs on onnxruntime's fast (NCHWc) conv path; strided
 * or dilated convolutions use ConvTranspose.
 *
 * dW: one batched GEMM per kernel offset between dY and a shifted X (or a shifted dY and
 * the padded X), summed over n, then the k×k results are concatenated; the stride-1 choices
 * are documented at `stride1WeightGrad`. Measured against im2col by Gather (29 vs 5.7 ms at
 * 32×32×32×32), by a one-hot-kernel Conv (13.7; grouped/depthwise variants up to 60 ms
 * per layer inside the U-Net), the "convolve X by dY" Conv (15.8, 54 on the NCHWc kernels
 * at 64 channels), the batch folded into K with transposes (≈ equal) and stacked 3+3
 * shifts (6.8): this was the fastest; see README.
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

/** The attributes per spatial axis, ONNX defaults filled in: strides, dilations, pads before and after. */
interface SpatialAttrs {
  s: number[];
  d: number[];
  pb: number[];
  pe: number[];
}

function spatialAttrs(at: ConvAttrs, sp: number): SpatialAttrs {
  return {
    s: spatial(at.strides, sp, 1),
    d: spatial(at.dilations, sp, 1),
    pb: spatial(at.pads, sp, 0),
    pe: Array.from({ length: sp }, (_, i) => at.pads[i + sp] ?? 0),
  };
}

export function convInputGrad(dY: Value, w: Value, xShape: readonly number[], at: ConvAttrs): Value {
  const k = w.shape.slice(2);
  const { s, d, pb, pe } = spatialAttrs(at, xShape.length - 2);
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
    const flipped = op.slice(
      wt,
      axes.map(() => -1),
      k.map((kk) => -kk - 1),
      axes,
      axes.map(() => -1),
    );
    const pads = [...k.map((kk, i) => kk - 1 - (pb[i] as number)), ...k.map((kk, i) => kk - 1 - (pe[i] as number))];
    return op.conv(dY, flipped, null, { pads, group: g });
  }
  const outputPadding = k.map(
    (kk, i) =>
      (xShape[2 + i] as number) -
      ((s[i] as number) * ((dY.shape[2 + i] as number) - 1) + (kk - 1) * (d[i] as number) + 1 - (pb[i] as number) - (pe[i] as number)),
  );
  return op.convTranspose(dY, w, { strides: s, pads: [...pb, ...pe], dilations: d, group: g, outputPadding });
}

function kernelOffsets(k: readonly number[]): number[][] {
  let offsets: number[][] = [[]];
  for (const kk of k) offsets = offsets.flatMap((prefix) => Array.from({ length: kk }, (_, a) => [...prefix, a]));
  return offsets;
}

/** Zero-pads the spatial axes (2…) by `pb` before and `pe` after; `v` itself when both are 0. */
function padSpatial(v: Value, pb: readonly number[], pe: readonly number[]): Value {
  if (pb.every((p) => p === 0) && pe.every((p) => p === 0)) return v;
  const shape = v.shape.map((d, i) => (i < 2 ? d : d + (pb[i - 2] as number) + (pe[i - 2] as number)));
  return v.graph.add1('Pad', [v, v.graph.ints([0, 0, ...pb, 0, 0, ...pe])], shape);
}

/** The window of `sizes` spatial positions starting at `off` (stride 1); `v` itself when that is all of it. */
function tapWindow(v: Value, off: readonly number[], sizes: readonly number[]): Value {
  const ends = off.map((a, i) => a + (sizes[i] as number));
  if (off.every((a, i) => a === 0 && ends[i] === v.shape[i + 2])) return v;
  return op.slice(
    v,
    off,
    ends,
    off.map((_, i) => i + 2),
  );
}

export function convWeightGrad(x: Value, dY: Value, wShape: readonly number[], at: ConvAttrs): Value {
  const k = wShape.slice(2);
  const { s, d, pb, pe } = spatialAttrs(at, x.rank - 2);
  const g = at.group;
  const n = x.shape[0] as number;
  const c = x.shape[1] as number;
  const o = wShape[0] as number;
  const outSp = dY.shape.slice(2);
  const len = outSp.reduce((a, b) => a * b, 1);
  const pointwise = k.every((kk) => kk === 1) && pb.every((p) => p === 0) && pe.every((p) => p === 0);
  if (g === 1 && !pointwise && s.every((v) => v === 1) && d.every((v) => v === 1)) return stride1WeightGrad(x, dY, wShape, pb, pe);
  const xp = padSpatial(x, pb, pe);
  const dyr = g === 1 ? op.reshape(dY, [n, o, len]) : op.reshape(dY, [n, g, o / g, len]);
  const parts = kernelOffsets(k).map((off) => {
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
 * Maps of at most this many positions (8×8) fold the batch into the GEMM's inner dimension:
 * a per-sample GEMM there is only 64 long, so n small GEMMs plus a batch sum lose to one
 * long GEMM even after transposing dY and X once (one thread, U-Net step at batch 16: CPU
 * median 195–197 vs 197–208 ms, min 188 vs 190–200; at 16×16 and 32×32 no gain measured).
 */
const FOLD_MAX_AREA = 64;

/**
 * Stride-1, ungrouped dW = Σ_n Σ_offsets dY[n] · shift(X)[n]ᵀ, one batched GEMM per kernel
 * offset, with three choices measured on this CPU (one thread, ms):
 * - What is shifted: slices of the padded X, or — when the layer has fewer output than
 *   input channels and padding adds little area (≤ 1.15×, i.e. 32×32 here) — dY placed at
 *   each offset in a zero canvas the size of the padded X, multiplied with that padded X
 *   itself: Σ dY[y,x]·Xp[y+a,x+b] = Σ Pad_ab(dY)[y',x']·Xp[y',x']. The canvas makes the GEMMs
 *   longer by the area ratio (+27 % at 16×16, +56 % at 8×8: slicing wins there,
 *   128→64 @16×16 12.4 vs 10.2).
 * - GEMM orientation: the operand with more channels goes first (MLAS streams the first and
 *   packs the second): 96→32 @32×32 20.6 → 15.5, 64→32 @32×32 13.8 → 11.9.
 * - With very few channels on the shifted side (the 1-channel input or output convs) the
 *   k² shifted copies are stacked into one operand so there is one GEMM with 9× the width
 *   instead of nine matrix-vector products.
 */
function stride1WeightGrad(x: Value, dY: Value, wShape: readonly number[], pb: readonly number[], pe: readonly number[]): Value {
  const n = x.shape[0] as number;
  const c = x.shape[1] as number;
  const o = wShape[0] as number;
  const k = wShape.slice(2);
  const taps = k.reduce((a, b) => a * b, 1);
  const padSp = x.shape.slice(2).map((v, i) => v + (pb[i] as number) + (pe[i] as number));
  const lenP = padSp.reduce((a, b) => a * b, 1);
  const len = dY.shape.slice(2).reduce((a, b) => a * b, 1);
  if (len <= FOLD_MAX_AREA && n > 1 && Math.min(c, o) >= 8) return foldedWeightGrad(x, dY, wShape, pb, pe);
  const xp = padSpatial(x, pb, pe);
  const canvas = o < c && lenP / x.shape.slice(2).reduce((a, b) => a * b, 1) <= 1.15;
  // fixed: the operand used whole at every offset; shifted: one copy per offset.
  const offs = kernelOffsets(k);
  let fixed: Value;
  let shifted: Value[];
  if (canvas) {
    fixed = op.reshape(xp, [n, c, lenP]);
    shifted = offs.map((off) => {
      const after = off.map((a, i) => (padSp[i] as number) - (dY.shape[2 + i] as number) - a);
      return op.reshape(padSpatial(dY, off, after), [n, o, lenP]);
    });
  } else {
    fixed = op.reshape(dY, [n, o, len]);
    shifted = offs.map((off) => op.reshape(tapWindow(xp, off, dY.shape.slice(2)), [n, c, len]));
  }
  const fixedCh = canvas ? c : o;
  const shiftedCh = canvas ? o : c;
  // Result layout wanted: [o, c, taps]. Axis names: F = fixed channels, S = shifted channels.
  const toOCT = (v: Value, order: 'FST' | 'SFT' | 'FTS'): Value => {
    // v holds [.., .., ..] in `order`; return [o, c, taps].
    const pos = { F: order.indexOf('F'), S: order.indexOf('S'), T: order.indexOf('T') };
    const oAxis = canvas ? pos.S : pos.F;
    const cAxis = canvas ? pos.F : pos.S;
    const perm = [oAxis, cAxis, pos.T];
    return perm.every((p, i) => p === i) ? v : op.transpose(v, perm);
  };
  let res: Value;
  if (shiftedCh < 8 && taps > 1) {
    const stacked = op.concat(shifted, 1); // [n, taps·S, L]
    const prod = op.matmul(fixed, stacked, { transB: true }); // [n, F, taps·S]
    res = toOCT(op.reshape(op.reduceSum(prod, [0], false), [fixedCh, taps, shiftedCh]), 'FTS');
  } else if (fixedCh >= shiftedCh) {
    const parts = shifted.map((sv) => op.reshape(op.reduceSum(op.matmul(fixed, sv, { transB: true }), [0], false), [fixedCh, shiftedCh, 1]));
    res = toOCT(op.concat(parts, 2), 'FST');
  } else {
    const parts = shifted.map((sv) => op.reshape(op.reduceSum(op.matmul(sv, fixed, { transB: true }), [0], false), [shiftedCh, fixedCh, 1]));
    res = toOCT(op.concat(parts, 2), 'SFT');
  }
  return op.reshape(res, wShape);
}

/** dW[o,c,·] = dYᵀ[o, n·L] · shift(X)ᵀ[n·L, c]: X transposed to [c, n, …] once, then sliced per offset. */
function foldedWeightGrad(x: Value, dY: Value, wShape: readonly number[], pb: readonly number[], pe: readonly number[]): Value {
  const n = x.shape[0] as number;
  const c = x.shape[1] as number;
  const o = wShape[0] as number;
  const k = wShape.slice(2);
  const sp = dY.shape.slice(2);
  const len = sp.reduce((a, b) => a * b, 1);
  const xpT = padSpatial(op.transpose(x, [1, 0, ...sp.map((_, i) => i + 2)]), pb, pe);
  const dyT = op.reshape(op.transpose(op.reshape(dY, [n, o, len]), [1, 0, 2]), [o, n * len]);
  const parts = kernelOffsets(k).map((off) => {
    const xs = op.reshape(tapWindow(xpT, off, sp), [c, n * len]);
    return o >= c ? op.reshape(op.matmul(dyT, xs, { transB: true }), [o, c, 1]) : op.reshape(op.matmul(xs, dyT, { transB: true }), [c, o, 1]);
  });
  const cat = op.concat(parts, 2);
  return op.reshape(o >= c ? cat : op.transpose(cat, [1, 0, 2]), wShape);
}
