/**
 * The graph-import rules for the ops a real TorchScript SD UNet export adds beyond nn's own
 * graphs (found by exporting a line-for-line re-implementation of diffusers' UNet blocks with
 * PyTorch 1.13, test/fixtures/torch-export/make.py):
 *
 * - integer/boolean shape logic on constants — `ConstantOfShape`, `Range`, `Equal`, `Less`,
 *   `Greater`, `Not`, `Where`, `Expand`, `Cast`, `Mul/Add/Sub/Div` with broadcasting (torch's
 *   `expand()` emits ConstantOfShape → Equal(size, −1) → Where before every Expand). Input
 *   shapes are fixed in a training graph, so these are evaluated here, never emitted;
 * - a float `ConstantOfShape` (`torch.empty` feeding `baddbmm(…, beta=0)`: B·heads·N·M
 *   zeros, 1 GB at 512²) is kept symbolic (a "fill": value + shape) so `fill·0`
 *   and `x + 0-fill` cost nothing; anything else materialises it as Expand of a scalar;
 * - `Where` with a constant condition on data: a·m + b·(1−m) with the constant parts
 *   precomputed (so a −inf mask value never meets a zero factor) — differentiable through
 *   nn's Mul/Add rules;
 * - `Einsum` with two operands (CompVis ldm attention: `b i d, b j d -> b i j`): rewritten
 *   as Transpose/Reshape → MatMul → Reshape/Transpose, differentiable through those.
 */
import { EngineError } from '@netsynth/core';
import { ops as op, type ConstData, type Graph, type Value } from '@netsynth/nn';
import type { NodeProto } from '../onnx/proto.js';

type Num = number | bigint | boolean;

/** Elements of a constant as JS numbers (bigint → number; shapes and indices fit). */
export function constNumbers(c: ConstData): number[] {
  return Array.from(c.data as ArrayLike<Num>, (v) => Number(v));
}

function make(dtype: ConstData['dtype'], shape: readonly number[], values: readonly number[]): ConstData {
  if (dtype === 'int64') return { dtype, shape: [...shape], data: BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))) };
  if (dtype === 'bool') return { dtype, shape: [...shape], data: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  if (dtype === 'float64') return { dtype, shape: [...shape], data: Float64Array.from(values) };
  if (dtype === 'int32') return { dtype, shape: [...shape], data: Int32Array.from(values) };
  return { dtype: 'float32', shape: [...shape], data: Float32Array.from(values) };
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Numpy broadcasting of several shapes. */
export function broadcast(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[i - (rank - s.length)] ?? 1;
      if (v !== 1) {
        if (d !== 1 && d !== v) throw new EngineError(`graph import: shapes [${shapes.map((x) => x.join(',')).join('] [')}] do not broadcast`);
        d = v;
      }
    }
    out.push(d);
  }
  return out;
}

/** Values of `c` read at every index of the broadcast shape `to`. */
function spread(c: ConstData, to: readonly number[]): number[] {
  const v = constNumbers(c);
  const n = size(to);
  const rank = to.length;
  const s = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s[i] === 1 ? 0 : acc;
    acc *= s[i] as number;
  }
  const out = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let i = 0; i < rank; i++) off += (idx[i] as number) * (strides[i] as number);
    out[k] = v[off] as number;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (to[i] as number)) break;
      idx[i] = 0;
    }
  }
  return out;
}

const ONNX_DTYPE: Record<number, ConstData['dtype']> = { 1: 'float32', 10: 'float32', 11: 'float64', 7: 'int64', 6: 'int32', 9: 'bool' };

const ELEMENTWISE: Record<string, (a: number, b: number) => number> = {
  Equal: (a, b) => (a === b ? 1 : 0),
  Less: (a, b) => (a < b ? 1 : 0),
  Greater: (a, b) => (a > b ? 1 : 0),
  LessOrEqual: (a, b) => (a <= b ? 1 : 0),
  GreaterOrEqual: (a, b) => (a >= b ? 1 : 0),
  And: (a, b) => (a && b ? 1 : 0),
  Or: (a, b) => (a || b ? 1 : 0),
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};
const COMPARE = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or']);

/** Largest constant (elements) folded into a literal; bigger ConstantOfShape results stay fills. */
export const FOLD_LIMIT = 1 << 16;

/**
 * Evaluates a node whose inputs are all known constants, for the integer/boolean shape ops
 * (and exactly-rounded float +−×÷ on small constants). Undefined: not handled here.
 */
export function foldNode(
  n: NodeProto,
  ins: readonly (ConstData | undefined)[],
  attrInt: (name: string, d: number) => number,
  valueAttr: ConstData | undefined,
): ConstData | undefined {
  const a = ins[0];
  switch (n.opType) {
    case 'ConstantOfShape': {
      if (!a) return undefined;
      const shape = constNumbers(a);
      // Float fills (torch.empty/zeros/ones on data shapes) stay symbolic: replay.ts keeps them as fills.
      if (size(shape) > FOLD_LIMIT || (valueAttr && valueAttr.dtype !== 'int64' && valueAttr.dtype !== 'bool') || !valueAttr) return undefined;
      const v = valueAttr ? (constNumbers(valueAttr)[0] ?? 0) : 0;
      return make(valueAttr?.dtype ?? 'float32', shape, new Array<number>(size(shape)).fill(v));
    }
    case 'Range': {
      const [s, l, d] = ins.map((c) => (c ? (constNumbers(c)[0] as number) : NaN)) as [number, number, number];
      const count = Math.max(Math.ceil((l - s) / d), 0);
      return make(
        a?.dtype ?? 'int64',
        [count],
        Array.from({ length: count }, (_, i) => s + i * d),
      );
    }
    case 'Reshape': {
      if (!a || !ins[1] || size(a.shape) > FOLD_LIMIT) return undefined;
      const want = constNumbers(ins[1]).map((d, i) => (d === 0 && attrInt('allowzero', 0) === 0 ? (a.shape[i] as number) : d));
      const rest = size(a.shape) / size(want.filter((d) => d !== -1));
      return { ...a, shape: want.map((d) => (d === -1 ? rest : d)) };
    }
    case 'Not':
      return (
        a &&
        make(
          'bool',
          a.shape,
          constNumbers(a).map((v) => (v ? 0 : 1)),
        )
      );
    case 'Where': {
      const [c, x, y] = ins as [ConstData, ConstData, ConstData];
      const shape = broadcast(c.shape, x.shape, y.shape);
      if (size(shape) > FOLD_LIMIT) return undefined;
      const cv = spread(c, shape);
      const xv = spread(x, shape);
      const yv = spread(y, shape);
      return make(
        x.dtype,
        shape,
        cv.map((m, i) => (m ? (xv[i] as number) : (yv[i] as number))),
      );
    }
    case 'Expand': {
      if (!a || !ins[1]) return undefined;
      const shape = broadcast(a.shape, constNumbers(ins[1]));
      if (size(shape) > FOLD_LIMIT) return undefined;
      return make(a.dtype, shape, spread(a, shape));
    }
    case 'Cast': {
      const to = ONNX_DTYPE[attrInt('to', 1)];
      if (!a || !to || a.dtype === 'float32' || size(a.shape) > FOLD_LIMIT) return undefined; // float casts: replay.ts
      return make(to, a.shape, constNumbers(a));
    }
    default: {
      const f = ELEMENTWISE[n.opType];
      const b = ins[1];
      if (!f || !a || !b || ins.length !== 2) return undefined;
      const shape = broadcast(a.shape, b.shape);
      if (size(shape) > FOLD_LIMIT) return undefined;
      const av = spread(a, shape);
      const bv = spread(b, shape);
      const isInt = a.dtype === 'int64' || a.dtype === 'int32';
      // Integer Div truncates toward zero (ONNX / C semantics).
      const g = isInt && n.opType === 'Div' ? (x: number, y: number): number => Math.trunc(x / y) : f;
      return make(
        COMPARE.has(n.opType) ? 'bool' : a.dtype,
        shape,
        av.map((x, i) => g(x, bv[i] as number)),
      );
    }
  }
}

/** A constant tensor kept symbolic: every element equals `value`. */
export interface Fill {
  value: number;
  shape: number[];
}

export function materialise(g: Graph, f: Fill): Value {
  return op.expand(g.floats([f.value], [1]), f.shape);
}

/** Where(cond, a, b) on data with a constant condition: a·m + b·(1−m), constant parts folded. */
export function whereData(g: Graph, cond: ConstData, a: Value | ConstData, b: Value | ConstData): Value {
  const shapeOf = (x: Value | ConstData): readonly number[] => x.shape;
  const shape = broadcast(cond.shape, shapeOf(a), shapeOf(b));
  const m = spread(cond, shape);
  const part = (x: Value | ConstData, pick: boolean): Value => {
    const mask = m.map((v) => (Boolean(v) === pick ? 1 : 0));
    if ('data' in x) {
      const xv = spread(x, shape);
      return g.floats(
        mask.map((k, i) => (k ? (xv[i] as number) : 0)),
        shape,
      );
    }
    return op.mul(x, g.floats(mask, shape));
  };
  return op.add(part(a, true), part(b, false));
}

/**
 * Two-operand Einsum without ellipsis or repeated letters in one operand, as one batched
 * MatMul: letters in both operands and the output are batch axes, in both but not the output
 * are contracted, the rest are free (summed first when absent from the output).
 */
export function einsum(equation: string, x: Value, y: Value): Value {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->') as [string, string | undefined];
  const [sa, sb] = lhs.split(',') as [string, string | undefined];
  if (sb === undefined || rhs === undefined || eq.includes('.') || new Set(sa).size !== sa.length || new Set(sb).size !== sb.length) {
    throw new EngineError(`graph import: Einsum "${equation}" is not supported (two operands, explicit output, no ellipsis or repeated letters)`);
  }
  let A = x;
  let B = y;
  let la = [...sa];
  let lb = [...sb];
  const out = [...rhs];
  // Letters only in one operand and not in the output: sum them away first.
  const dropOnly = (v: Value, ls: string[], other: string[]): [Value, string[]] => {
    const axes = ls.map((l, i) => (!other.includes(l) && !out.includes(l) ? i : -1)).filter((i) => i >= 0);
    return axes.length ? [op.reduceSum(v, axes, false), ls.filter((_, i) => !axes.includes(i))] : [v, ls];
  };
  [A, la] = dropOnly(A, la, lb);
  [B, lb] = dropOnly(B, lb, la);
  const batch = out.filter((l) => la.includes(l) && lb.includes(l));
  const contract = la.filter((l) => lb.includes(l) && !out.includes(l));
  const freeA = la.filter((l) => !lb.includes(l));
  const freeB = lb.filter((l) => !la.includes(l));
  const dim = new Map<string, number>();
  la.forEach((l, i) => dim.set(l, A.shape[i] as number));
  lb.forEach((l, i) => dim.set(l, B.shape[i] as number));
  const prod = (ls: string[]): number => ls.reduce((p, l) => p * (dim.get(l) as number), 1);
  const order = (ls: string[], want: string[]): number[] => want.map((l) => ls.indexOf(l));
  const isId = (p: number[]): boolean => p.every((v, i) => v === i);
  const pa = order(la, [...batch, ...freeA, ...contract]);
  const pb = order(lb, [...batch, ...contract, ...freeB]);
  const At = op.reshape(isId(pa) ? A : op.transpose(A, pa), [prod(batch), prod(freeA), prod(contract)]);
  const Bt = op.reshape(isId(pb) ? B : op.transpose(B, pb), [prod(batch), prod(contract), prod(freeB)]);
  const res = [...batch, ...freeA, ...freeB];
  const r = op.reshape(
    op.matmul(At, Bt),
    res.map((l) => dim.get(l) as number),
  );
  const po = order(res, out);
  return isId(po) ? r : op.transpose(r, po);
}
