/**
 * Op builders with static shape inference. Each function appends one or a few ONNX nodes
 * to the graph of its inputs and returns the result value(s). Only the ops and attribute
 * combinations the layers and their gradients use are covered.
 */
import { EngineError } from '@netsynth/core';
import type { DType, Graph, Value } from './ir.js';

export type Operand = Value | number;

function fail(msg: string): never {
  throw new EngineError(msg);
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function asValue(g: Graph, x: Operand, like: Value): Value {
  return typeof x === 'number' ? g.scalar(x, like.dtype === 'float64' ? 'float64' : 'float32') : x;
}

function binary(op: string, a: Operand, b: Operand): Value {
  const ref = typeof a === 'number' ? (b as Value) : a;
  const g = ref.graph;
  const va = asValue(g, a, ref);
  const vb = asValue(g, b, ref);
  return g.add1(op, [va, vb], broadcastShape(va.shape, vb.shape));
}

export const add = (a: Operand, b: Operand): Value => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Value => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Value => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Value => binary('Div', a, b);
export const pow = (a: Value, b: Operand): Value => binary('Pow', a, b);

function unary(op: string, x: Value, attrs: Record<string, number> = {}): Value {
  return x.graph.add1(op, [x], x.shape, attrs);
}
export const neg = (x: Value): Value => unary('Neg', x);
export const exp = (x: Value): Value => unary('Exp', x);
export const log = (x: Value): Value => unary('Log', x);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const sigmoid = (x: Value): Value => unary('Sigmoid', x);
export const tanh = (x: Value): Value => unary('Tanh', x);
export const erf = (x: Value): Value => unary('Erf', x);
export const sin = (x: Value): Value => unary('Sin', x);
export const cos = (x: Value): Value => unary('Cos', x);
export const reciprocal = (x: Value): Value => unary('Reciprocal', x);
export const identity = (x: Value): Value => unary('Identity', x);

export function cast(x: Value, to: DType): Value {
  const code = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 }[to];
  return x.graph.add1('Cast', [x], x.shape, { to: code }, { dtype: to });
}

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function reshape(x: Value, shape: readonly number[]): Value {
  const out = shape.map((d, i) => (d === 0 ? (x.shape[i] ?? fail('reshape 0 past rank')) : d));
  const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const neg1 = out.indexOf(-1);
  if (neg1 >= 0) out[neg1] = x.size / known;
  if (out.reduce((a, b) => a * b, 1) !== x.size) fail(`cannot reshape [${x.shape.join(',')}] to [${shape.join(',')}]`);
  // A no-op only when it stays one at every batch size: a literal 1 or a −1 beside a changed
  // dim would reshape differently once the exported model's batch axis is dynamic.
  const keepsEveryBatch = shape.every((d, i) => d === 0 || (d > 0 && i > 0) || (d === -1 && shape.every((e, j) => j === i || e === 0)));
  if (keepsEveryBatch && out.length === x.rank && out.every((d, i) => d === x.shape[i])) return x;
  return x.graph.add1('Reshape', [x, x.graph.ints(shape)], out);
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.every((p, i) => p === i)) return x;
  return x.graph.add1(
    'Transpose',
    [x],
    perm.map((p) => x.shape[p] as number),
    { perm: [...perm] },
  );
}

export function concat(xs: readonly Value[], axis: number): Value {
  const first = xs[0] ?? fail('concat of nothing');
  if (xs.length === 1) return first;
  const a = normAxis(axis, first.rank);
  const shape = [...first.shape];
  shape[a] = xs.reduce((s, x) => s + (x.shape[a] as number), 0);
  return first.graph.add1('Concat', xs, shape, { axis: a });
}

/** Slice with static starts/ends (clamped like ONNX) along `axes`. */
export function slice(x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Value {
  const g = x.graph;
  const shape = [...x.shape];
  axes.forEach((ax, k) => {
    const a = normAxis(ax, x.rank);
    const dim = shape[a] as number;
    const step = steps?.[k] ?? 1;
    let s = starts[k] as number;
    let e = ends[k] as number;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      shape[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, -1), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      shape[a] = Math.max(0, Math.ceil((e - s) / step));
    }
  });
  const inputs = [x, g.ints(starts), g.ints(ends), g.ints(axes)];
  if (steps) inputs.push(g.ints(steps));
  return g.add1('Slice', inputs, shape);
}

export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  const a = normAxis(axis, x.rank);
  return x.graph.add(
    'Split',
    [x, x.graph.ints(sizes)],
    sizes.map((s) => x.shape.map((d, i) => (i === a ? s : d))),
    { axis: a },
  );
}

function reduce(op: string, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const ax = axes.map((a) => normAxis(a, x.rank));
  const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
  if (ax.length === 0) return x;
  return x.graph.add1(op, [x, x.graph.ints(ax)], shape, { keepdims: keepdims ? 1 : 0 });
}
export const reduceSum = (x: Value, axes: readonly number[], keepdims = true): Value => reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Value, axes: readonly number[], keepdims = true): Value => reduce('ReduceMean', x, axes, keepdims);
export const reduceSumAll = (x: Value): Value =>
  reduceSum(
    x,
    x.shape.map((_, i) => i),
    false,
  );
export const reduceMeanAll = (x: Value): Value =>
  reduceMean(
    x,
    x.shape.map((_, i) => i),
    false,
  );

export function softmax(x: Value, axis = -1): Value {
  return x.graph.add1('Softmax', [x], x.shape, { axis: normAxis(axis, x.rank) });
}

export interface MatMulOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
}

/**
 * Batched matrix product with optional transposes and scale. Plain MatMul when neither is
 * asked for; otherwise onnxruntime's com.microsoft FusedMatMul, which folds the transposes
 * into the GEMM call instead of materialising them.
 */
export function matmul(a: Value, b: Value, o: MatMulOptions = {}): Value {
  if (a.rank < 2 || b.rank < 2) fail('matmul needs rank ≥ 2 operands');
  const am = o.transA ? (a.shape[a.rank - 1] as number) : (a.shape[a.rank - 2] as number);
  const ak = o.transA ? (a.shape[a.rank - 2] as number) : (a.shape[a.rank - 1] as number);
  const bk = o.transB ? (b.shape[b.rank - 1] as number) : (b.shape[b.rank - 2] as number);
  const bn = o.transB ? (b.shape[b.rank - 2] as number) : (b.shape[b.rank - 1] as number);
  if (ak !== bk) fail(`matmul inner dims differ: [${a.shape.join(',')}] × [${b.shape.join(',')}]`);
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, am, bn];
  const alpha = o.alpha ?? 1;
  if (!o.transA && !o.transB && alpha === 1) return a.graph.add1('MatMul', [a, b], shape);
  return a.graph.add1(
    'FusedMatMul',
    [a, b],
    shape,
    { transA: o.transA ? 1 : 0, transB: o.transB ? 1 : 0, alpha: { float: alpha } },
    { domain: 'com.microsoft' },
  );
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

export function gemm(a: Value, b: Value, c: Value | null, o: GemmOptions = {}): Value {
  if (a.rank !== 2 || b.rank !== 2) fail('gemm needs 2-D operands');
  const m = o.transA ? a.shape[1] : a.shape[0];
  const k1 = o.transA ? a.shape[0] : a.shape[1];
  const k2 = o.transB ? b.shape[1] : b.shape[0];
  const n = o.transB ? b.shape[0] : b.shape[1];
  if (k1 !== k2) fail(`gemm inner dims differ: [${a.shape.join(',')}] × [${b.shape.join(',')}]`);
  const attrs: Record<string, number | { float: number }> = {};
  if (o.transA) attrs.transA = 1;
  if (o.transB) attrs.transB = 1;
  if (o.alpha !== undefined && o.alpha !== 1) attrs.alpha = { float: o.alpha };
  if (o.beta !== undefined && o.beta !== 1) attrs.beta = { float: o.beta };
  return a.graph.add1('Gemm', c ? [a, b, c] : [a, b], [m as number, n as number], attrs);
}

export interface ConvOptions {
  strides?: readonly number[];
  pads?: readonly number[];
  dilations?: readonly number[];
  group?: number;
}

export function convOutShape(x: readonly number[], w: readonly number[], o: ConvOptions): number[] {
  const sp = x.length - 2;
  const out = [x[0] as number, w[0] as number];
  for (let i = 0; i < sp; i++) {
    const s = o.strides?.[i] ?? 1;
    const d = o.dilations?.[i] ?? 1;
    const p = (o.pads?.[i] ?? 0) + (o.pads?.[i + sp] ?? 0);
    const k = w[2 + i] as number;
    out.push(Math.floor(((x[2 + i] as number) + p - d * (k - 1) - 1) / s) + 1);
  }
  return out;
}

function convAttrs(o: ConvOptions, sp: number): Record<string, number | number[]> {
  const attrs: Record<string, number | number[]> = {};
  attrs.strides = [...(o.strides ?? new Array<number>(sp).fill(1))];
  attrs.pads = [...(o.pads ?? new Array<number>(2 * sp).fill(0))];
  attrs.dilations = [...(o.dilations ?? new Array<number>(sp).fill(1))];
  attrs.group = o.group ?? 1;
  return attrs;
}

export function conv(x: Value, w: Value, b: Value | null, o: ConvOptions = {}): Value {
  const group = o.group ?? 1;
  if ((x.shape[1] as number) !== (w.shape[1] as number) * group)
    fail(`conv input has ${x.shape[1]} channels, weight expects ${(w.shape[1] as number) * group}`);
  const shape = convOutShape(x.shape, w.shape, o);
  return x.graph.add1('Conv', b ? [x, w, b] : [x, w], shape, convAttrs(o, x.rank - 2));
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: readonly number[];
}

export function convTranspose(x: Value, w: Value, o: ConvTransposeOptions = {}): Value {
  const sp = x.rank - 2;
  const group = o.group ?? 1;
  const shape = [x.shape[0] as number, (w.shape[1] as number) * group];
  for (let i = 0; i < sp; i++) {
    const s = o.strides?.[i] ?? 1;
    const d = o.dilations?.[i] ?? 1;
    const p = (o.pads?.[i] ?? 0) + (o.pads?.[i + sp] ?? 0);
    const k = w.shape[2 + i] as number;
    shape.push(s * ((x.shape[2 + i] as number) - 1) + (o.outputPadding?.[i] ?? 0) + (k - 1) * d + 1 - p);
  }
  const attrs: Record<string, number | number[]> = convAttrs(o, sp);
  if (o.outputPadding) attrs.output_padding = [...o.outputPadding];
  return x.graph.add1('ConvTranspose', [x, w], shape, attrs);
}

/** LayerNormalization over axes [axis, rank); returns y, mean and 1/std (kept for backward). */
export function layerNormalization(x: Value, scale: Value, bias: Value | null, axis: number, epsilon: number): [Value, Value, Value] {
  const a = normAxis(axis, x.rank);
  const statShape = x.shape.map((d, i) => (i < a ? d : 1));
  const outs = x.graph.add('LayerNormalization', bias ? [x, scale, bias] : [x, scale], [x.shape, statShape, statShape], {
    axis: a,
    epsilon: { float: epsilon },
  });
  return outs as [Value, Value, Value];
}

export function gather(table: Value, ids: Value): Value {
  return table.graph.add1('Gather', [table, ids], [...ids.shape, ...table.shape.slice(1)], { axis: 0 });
}

/** One-hot float32 rows of width `depth` for int64 ids. */
export function oneHot(ids: Value, depth: number): Value {
  const g = ids.graph;
  return g.add1(
    'OneHot',
    [ids, g.constant({ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(depth)) }), g.floats([0, 1], [2])],
    [...ids.shape, depth],
    { axis: -1 },
    { dtype: 'float32' },
  );
}

export function expand(x: Value, shape: readonly number[]): Value {
  return x.graph.add1('Expand', [x, x.graph.ints(shape)], broadcastShape(x.shape, shape));
}

/** Nearest-neighbour upsampling of the trailing spatial axes by an integer factor (Resize). */
export function resizeNearest(x: Value, factor: number): Value {
  const g = x.graph;
  const scales = x.shape.map((_, i) => (i < 2 ? 1 : factor));
  const shape = x.shape.map((d, i) => (i < 2 ? d : d * factor));
  return g.add1('Resize', [x, null, g.floats(scales, [scales.length])], shape, {
    mode: 'nearest',
    nearest_mode: 'floor',
    coordinate_transformation_mode: 'asymmetric',
  });
}

export function averagePool(x: Value, kernel: readonly number[], strides: readonly number[], pads: readonly number[]): Value {
  const sp = x.rank - 2;
  const shape = [x.shape[0] as number, x.shape[1] as number];
  for (let i = 0; i < sp; i++)
    shape.push(Math.floor(((x.shape[2 + i] as number) + (pads[i] as number) + (pads[i + sp] as number) - (kernel[i] as number)) / (strides[i] as number)) + 1);
  return x.graph.add1('AveragePool', [x], shape, { kernel_shape: [...kernel], strides: [...strides], pads: [...pads], count_include_pad: 1 });
}

export const min = (a: Operand, b: Operand): Value => binary('Min', a, b);
export const max = (a: Operand, b: Operand): Value => binary('Max', a, b);
