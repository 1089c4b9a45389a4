/**
 * The op table of the graph import: one rule per ONNX op kind, replaying the node through nn's
 * op builders (shape inference and gradient rules come with them). LoRA branches are added
 * beside the Conv / Gemm / MatMul nodes the caller chose: y = base(x) + scale · up(down(x)).
 */
import { EngineError } from '@netsynth/core';
import { ops as op, type ConstData, type Value } from '@netsynth/nn';
import { DataType } from '../onnx/proto.js';
import { attrF, attrI, attrInts, attrText, squeezedShape } from './replay-attrs.js';
import { NORM_RULES, type OpRule } from './replay-norm.js';
import { constNumbers, einsum, whereData } from './replay-ops.js';

const UNARY: Record<string, (x: Value) => Value> = {
  Sigmoid: op.sigmoid,
  Erf: op.erf,
  Sin: op.sin,
  Cos: op.cos,
  Exp: op.exp,
  Log: op.log,
  Neg: op.neg,
  Sqrt: op.sqrt,
  Tanh: op.tanh,
  Reciprocal: op.reciprocal,
};
const BINARY: Record<string, (a: Value, b: Value) => Value> = { Add: op.add, Sub: op.sub, Mul: op.mul, Div: op.div, Pow: op.pow, Min: op.min, Max: op.max };

const where: OpRule = (n, st) => {
  const cond = st.known.get(n.input[0] as string);
  if (!cond) throw new EngineError(`graph import: Where ${n.name} with a condition computed from data is not supported`);
  const side = (i: string): Value | ConstData => st.known.get(i) ?? st.get(i, n);
  return whereData(st.g, cond, side(n.input[1] as string), side(n.input[2] as string));
};

const einsumRule: OpRule = (n, st) => {
  const eq = attrText(n, 'equation');
  if (n.input.length !== 2 || eq === undefined)
    throw new EngineError(`graph import: Einsum ${n.name} with ${n.input.length} operands is not supported (two only)`);
  return einsum(eq, st.arg(n, 0), st.arg(n, 1));
};

const conv: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const w = st.arg(n, 1);
  const b = st.optArg(n, 2);
  const sp = x.rank - 2;
  const convOpts = {
    strides: attrInts(n, 'strides') ?? new Array<number>(sp).fill(1),
    pads: attrInts(n, 'pads') ?? new Array<number>(2 * sp).fill(0),
    dilations: attrInts(n, 'dilations') ?? new Array<number>(sp).fill(1),
    group: attrI(n, 'group', 1),
  };
  const out = op.conv(x, w, b, convOpts);
  const br = st.branches.get(n.name);
  return br ? op.add(out, op.mul(op.conv(op.conv(x, br.down, null, convOpts), br.up, null), br.scale)) : out;
};

const matmul: OpRule = (n, st) => {
  const a = st.arg(n, 0);
  const b = st.arg(n, 1);
  const transA = attrI(n, 'transA', 0) === 1;
  const transB = attrI(n, 'transB', 0) === 1;
  const out =
    n.opType === 'Gemm'
      ? op.gemm(a, b, st.optArg(n, 2), { transA, transB, alpha: attrF(n, 'alpha', 1), beta: attrF(n, 'beta', 1) })
      : op.matmul(a, b, { transA, transB, alpha: attrF(n, 'alpha', 1) });
  const br = st.branches.get(n.name);
  if (!br) return out;
  if (transA) throw new EngineError(`graph import: LoRA on ${n.name} with transposed input is not supported`);
  return op.add(out, op.mul(op.matmul(op.matmul(a, br.down, { transB: true }), br.up, { transB: true }), br.scale));
};

const transpose: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  return op.transpose(x, attrInts(n, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i));
};

const split: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const axis = attrI(n, 'axis', 0);
  const a = axis < 0 ? axis + x.rank : axis;
  const sizes = n.input[1]
    ? constNumbers(st.need(n.input[1], n, 'split'))
    : (attrInts(n, 'split') ?? new Array<number>(n.output.length).fill((x.shape[a] as number) / n.output.length));
  return op.split(x, sizes, axis);
};

const slice: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const ints = (k: number, what: string): number[] => constNumbers(st.need(n.input[k], n, what));
  const starts = ints(1, 'starts');
  // int64 "to the end" sentinels, clamped to what nn's int32 shapes hold.
  const ends = ints(2, 'ends').map((e) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, e)));
  const axes = n.input[3] ? ints(3, 'axes') : starts.map((_, i) => i);
  return op.slice(x, starts, ends, axes, n.input[4] ? ints(4, 'steps') : undefined);
};

const cast: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const to = attrI(n, 'to', DataType.FLOAT);
  // float16 storage is computed in float32 here.
  if (to === DataType.FLOAT || to === DataType.FLOAT16) return x.dtype === 'float32' ? x : op.cast(x, 'float32');
  if (to === DataType.INT64) return op.cast(x, 'int64');
  throw new EngineError(`graph import: Cast to type ${to} (${n.name}) is not supported`);
};

const squeeze: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const axes = n.input[1] ? constNumbers(st.need(n.input[1], n, 'axes')) : (attrInts(n, 'axes') ?? []);
  return op.reshape(x, squeezedShape(n.opType, x.shape, axes));
};

const gather: OpRule = (n, st) => {
  if (attrI(n, 'axis', 0) !== 0) throw new EngineError(`graph import: Gather on axis ≠ 0 (${n.name}) is not supported`);
  return op.gather(st.arg(n, 0), st.arg(n, 1));
};

const resize: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const scalesName = n.input[2];
  const scales = scalesName && st.known.get(scalesName)?.data.length ? Array.from(st.known.get(scalesName)?.data as Float32Array) : undefined;
  const sizes = n.input[3] ? constNumbers(st.need(n.input[3], n, 'sizes')) : undefined;
  const f = scales ? (scales[2] as number) : sizes ? (sizes[2] as number) / (x.shape[2] as number) : NaN;
  const modeName = attrText(n, 'mode') ?? 'nearest';
  if (!Number.isInteger(f) || modeName !== 'nearest')
    throw new EngineError(`graph import: Resize ${n.name} (${modeName}, factor ${f}) is not supported: nearest with an integer factor only`);
  return op.resizeNearest(x, f);
};

const RULES: Readonly<Record<string, OpRule>> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([k, f]): [string, OpRule] => [k, (n, st) => f(st.arg(n, 0))])),
  ...Object.fromEntries(Object.entries(BINARY).map(([k, f]): [string, OpRule] => [k, (n, st) => f(st.arg(n, 0), st.arg(n, 1))])),
  ...NORM_RULES,
  Where: where,
  Einsum: einsumRule,
  Conv: conv,
  Gemm: matmul,
  MatMul: matmul,
  FusedMatMul: matmul,
  Reshape: (n, st) => op.reshape(st.arg(n, 0), constNumbers(st.need(n.input[1], n, 'shape'))),
  Transpose: transpose,
  Softmax: (n, st) => op.softmax(st.arg(n, 0), attrI(n, 'axis', -1)),
  Concat: (n, st) =>
    op.concat(
      n.input.map((i) => st.get(i, n)),
      attrI(n, 'axis', 0),
    ),
  Split: split,
  Slice: slice,
  Cast: cast,
  Identity: (n, st) => st.arg(n, 0),
  Expand: (n, st) => op.expand(st.arg(n, 0), constNumbers(st.need(n.input[1], n, 'shape'))),
  Unsqueeze: squeeze,
  Squeeze: squeeze,
  Gather: gather,
  Resize: resize,
  AveragePool: (n, st) =>
    op.averagePool(st.arg(n, 0), attrInts(n, 'kernel_shape') ?? [1, 1], attrInts(n, 'strides') ?? [1, 1], attrInts(n, 'pads') ?? [0, 0, 0, 0]),
  Sum: (n, st) => n.input.map((i) => st.get(i, n)).reduce((a, b) => op.add(a, b)),
};

/** The rule for `n`'s op; an EngineError naming op and node when nn has no equivalent yet. */
export function opRule(n: { opType: string; domain: string; name: string }): OpRule {
  const rule = Object.hasOwn(RULES, n.opType) ? RULES[n.opType] : undefined;
  if (!rule) throw new EngineError(`graph import: op ${n.domain ? `${n.domain}.` : ''}${n.opType} (node ${n.name}) has no nn equivalent yet`);
  return rule;
}
