/**
 * Gradient rules, one per ONNX op the layers emit. Each rule gets the forward node, the
 * gradients of its outputs (null = not on the loss path) and which inputs need a gradient,
 * and returns the input gradients as new graph values. Everything is expressed with
 * standard ONNX ops (plus com.microsoft FusedMatMul), since onnxruntime-node ships without
 * the training-only gradient kernels.
 */
import { EngineError } from '@netsynth/core';
import type { Graph, Node, Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { convInputGrad, convWeightGrad } from './conv-grad.js';

export interface GradContext {
  g: Graph;
  node: Node;
  dOut: readonly (Value | null)[];
  needs: readonly boolean[];
}
export type GradRule = (c: GradContext) => (Value | null)[];

const inp = (c: GradContext, i: number): Value =>
  c.node.inputs[i] ??
  (() => {
    throw new EngineError(`${c.node.op} input ${i} missing`);
  })();
const out = (c: GradContext, i = 0): Value => c.node.outputs[i] as Value;
const dy = (c: GradContext, i = 0): Value =>
  c.dOut[i] ??
  (() => {
    throw new EngineError(`${c.node.op} has no output gradient`);
  })();

/** Sums a broadcast gradient back down to `shape`. */
export function unbroadcast(d: Value, shape: readonly number[]): Value {
  if (d.shape.length === shape.length && d.shape.every((s, i) => s === shape[i])) return d;
  const lead = d.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < d.rank; i++) if (i < lead || (shape[i - lead] === 1 && d.shape[i] !== 1)) axes.push(i);
  return op.reshape(op.reduceSum(d, axes, true), shape);
}

function constValue(g: Graph, v: Value): Float32Array | undefined {
  const init = g.initializers.find((i) => i.value === v);
  return init && init.data.data instanceof Float32Array ? init.data.data : undefined;
}

function intAttr(n: Node, name: string, dflt: number): number {
  const v = n.attrs[name];
  return typeof v === 'number' ? v : dflt;
}
function intsAttr(n: Node, name: string): number[] | undefined {
  const v = n.attrs[name];
  return Array.isArray(v) ? v : undefined;
}
function floatAttr(n: Node, name: string, dflt: number): number {
  const v = n.attrs[name];
  return typeof v === 'object' && v !== null && 'float' in v ? v.float : dflt;
}
function constInts(g: Graph, v: Value | null | undefined): number[] {
  if (!v) return [];
  const init = g.initializers.find((i) => i.value === v);
  if (!init || !(init.data.data instanceof BigInt64Array)) throw new EngineError('expected a constant int64 operand');
  return Array.from(init.data.data, (b) => Number(b));
}

const rules: Record<string, GradRule> = {
  Identity: (c) => [dy(c)],
  Add: (c) => [c.needs[0] ? unbroadcast(dy(c), inp(c, 0).shape) : null, c.needs[1] ? unbroadcast(dy(c), inp(c, 1).shape) : null],
  Sub: (c) => [c.needs[0] ? unbroadcast(dy(c), inp(c, 0).shape) : null, c.needs[1] ? unbroadcast(op.neg(dy(c)), inp(c, 1).shape) : null],
  Mul: (c) => [
    c.needs[0] ? unbroadcast(op.mul(dy(c), inp(c, 1)), inp(c, 0).shape) : null,
    c.needs[1] ? unbroadcast(op.mul(dy(c), inp(c, 0)), inp(c, 1).shape) : null,
  ],
  Div: (c) => [
    c.needs[0] ? unbroadcast(op.div(dy(c), inp(c, 1)), inp(c, 0).shape) : null,
    c.needs[1] ? unbroadcast(op.neg(op.div(op.mul(dy(c), out(c)), inp(c, 1))), inp(c, 1).shape) : null,
  ],
  Neg: (c) => [op.neg(dy(c))],
  Exp: (c) => [op.mul(dy(c), out(c))],
  Log: (c) => [op.div(dy(c), inp(c, 0))],
  Sqrt: (c) => [op.div(op.mul(dy(c), 0.5), out(c))],
  Reciprocal: (c) => [op.neg(op.mul(dy(c), op.mul(out(c), out(c))))],
  Sigmoid: (c) => [op.mul(dy(c), op.mul(out(c), op.sub(1, out(c))))],
  Tanh: (c) => [op.mul(dy(c), op.sub(1, op.mul(out(c), out(c))))],
  Erf: (c) => {
    const x = inp(c, 0);
    return [op.mul(dy(c), op.mul(op.exp(op.neg(op.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  Sin: (c) => [op.mul(dy(c), op.cos(inp(c, 0)))],
  Cos: (c) => [op.neg(op.mul(dy(c), op.sin(inp(c, 0))))],
  Pow: (c) => {
    const e = constValue(c.g, inp(c, 1));
    if (!e || e.length !== 1 || c.needs[1]) throw new EngineError('Pow is differentiable only with a constant scalar exponent');
    const p = e[0] as number;
    return [op.mul(dy(c), op.mul(op.pow(inp(c, 0), p - 1), p)), null];
  },
  Cast: (c) => [op.cast(dy(c), inp(c, 0).dtype)],
  Reshape: (c) => [op.reshape(dy(c), inp(c, 0).shape), null],
  Expand: (c) => [unbroadcast(dy(c), inp(c, 0).shape), null],
  Transpose: (c) => {
    const perm = intsAttr(c.node, 'perm') ?? [];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [op.transpose(dy(c), inv)];
  },
  Concat: (c) => {
    const axis = intAttr(c.node, 'axis', 0);
    const sizes = c.node.inputs.map((i) => (i as Value).shape[axis] as number);
    return op.split(dy(c), sizes, axis);
  },
  Split: (c) => {
    const axis = intAttr(c.node, 'axis', 0);
    const parts = c.node.outputs.map((o, i) => c.dOut[i] ?? op.expand(c.g.scalar(0), o.shape));
    return [op.concat(parts, axis), null];
  },
  Slice: (c) => {
    const x = inp(c, 0);
    const starts = constInts(c.g, c.node.inputs[1]);
    const ends = constInts(c.g, c.node.inputs[2]);
    const axes = c.node.inputs[3] ? constInts(c.g, c.node.inputs[3]) : starts.map((_, i) => i);
    const steps = c.node.inputs[4] ? constInts(c.g, c.node.inputs[4]) : starts.map(() => 1);
    if (steps.some((s) => s !== 1)) throw new EngineError('Slice gradient supports step 1 only');
    const pads = new Array<number>(2 * x.rank).fill(0);
    axes.forEach((a0, k) => {
      const a = a0 < 0 ? a0 + x.rank : a0;
      const dim = x.shape[a] as number;
      let s = starts[k] as number;
      let e = ends[k] as number;
      if (s < 0) s += dim;
      if (e < 0) e += dim;
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, s), dim);
      pads[a] = s;
      pads[a + x.rank] = dim - e;
    });
    return [c.g.add1('Pad', [dy(c), c.g.ints(pads)], x.shape)];
  },
  ReduceSum: (c) => {
    const x = inp(c, 0);
    const axes = constInts(c.g, c.node.inputs[1]).map((a) => (a < 0 ? a + x.rank : a));
    const kept = op.reshape(
      dy(c),
      x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    );
    return [op.expand(kept, x.shape), null];
  },
  ReduceMean: (c) => {
    const x = inp(c, 0);
    const axes = constInts(c.g, c.node.inputs[1]).map((a) => (a < 0 ? a + x.rank : a));
    const count = axes.reduce((p, a) => p * (x.shape[a] as number), 1);
    const kept = op.reshape(
      dy(c),
      x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    );
    return [op.expand(op.mul(kept, 1 / count), x.shape), null];
  },
  Softmax: (c) => {
    const y = out(c);
    const axis = intAttr(c.node, 'axis', -1);
    const d = dy(c);
    return [op.mul(y, op.sub(d, op.reduceSum(op.mul(d, y), [axis], true)))];
  },
  MatMul: (c) => matmulGrad(c, false, false, 1),
  FusedMatMul: (c) => matmulGrad(c, intAttr(c.node, 'transA', 0) === 1, intAttr(c.node, 'transB', 0) === 1, floatAttr(c.node, 'alpha', 1)),
  Gemm: (c) => {
    const a = inp(c, 0);
    const b = inp(c, 1);
    const tA = intAttr(c.node, 'transA', 0) === 1;
    const tB = intAttr(c.node, 'transB', 0) === 1;
    const alpha = floatAttr(c.node, 'alpha', 1);
    const beta = floatAttr(c.node, 'beta', 1);
    const d = dy(c);
    const res: (Value | null)[] = [null, null, null];
    if (c.needs[0]) res[0] = tA ? op.gemm(b, d, null, { transA: tB, transB: true, alpha }) : op.gemm(d, b, null, { transB: !tB, alpha });
    if (c.needs[1]) res[1] = tB ? op.gemm(d, a, null, { transA: true, transB: tA, alpha }) : op.gemm(a, d, null, { transA: !tA, alpha });
    if (c.needs[2]) res[2] = unbroadcast(beta === 1 ? d : op.mul(d, beta), inp(c, 2).shape);
    return res;
  },
  Conv: (c) => {
    const x = inp(c, 0);
    const w = inp(c, 1);
    const d = dy(c);
    const attrs = {
      strides: intsAttr(c.node, 'strides') ?? [],
      pads: intsAttr(c.node, 'pads') ?? [],
      dilations: intsAttr(c.node, 'dilations') ?? [],
      group: intAttr(c.node, 'group', 1),
    };
    const res: (Value | null)[] = [null, null, null];
    if (c.needs[0]) res[0] = convInputGrad(d, w, x.shape, attrs);
    if (c.needs[1]) res[1] = convWeightGrad(x, d, w.shape, attrs);
    if (c.needs[2]) {
      // Σ over the spatial axes first (a fast contiguous reduction, and the same node as the
      // gradient of a per-(n, c) broadcast add on this output, which onnxruntime's CSE then
      // shares), then over the batch: 3-axis ReduceSum takes onnxruntime's slow strided path.
      const spatial = op.reduceSum(
        d,
        d.shape.map((_, i) => i).filter((i) => i >= 2),
        true,
      );
      res[2] = op.reshape(op.reduceSum(spatial, [0], false), inp(c, 2).shape);
    }
    return res;
  },
  LayerNormalization: (c) => {
    const x = inp(c, 0);
    const scale = inp(c, 1);
    const bias = c.node.inputs[2] ?? null;
    const axis = intAttr(c.node, 'axis', -1);
    const a = axis < 0 ? axis + x.rank : axis;
    const normAxes = x.shape.map((_, i) => i).filter((i) => i >= a);
    const d = dy(c);
    const ones = constValue(c.g, scale);
    const unitScale = !!ones && ones.every((v) => v === 1);
    // With a unit scale and no bias the output is x̂ itself; otherwise rebuild x̂ from the saved statistics.
    const xhat = unitScale && !bias ? out(c, 0) : op.mul(op.sub(x, out(c, 1)), out(c, 2));
    const res: (Value | null)[] = [null, null, null];
    if (c.needs[2] && bias) res[2] = unbroadcast(d, bias.shape);
    if (c.needs[1]) res[1] = unbroadcast(op.mul(d, xhat), scale.shape);
    if (c.needs[0]) {
      const dxhat = unitScale ? d : op.mul(d, scale);
      const m1 = op.reduceMean(dxhat, normAxes, true);
      const m2 = op.reduceMean(op.mul(dxhat, xhat), normAxes, true);
      res[0] = op.mul(op.sub(op.sub(dxhat, m1), op.mul(xhat, m2)), out(c, 2));
    }
    return res;
  },
  Gather: (c) => {
    const table = inp(c, 0);
    const ids = inp(c, 1);
    const rows = ids.size;
    const width = table.size / (table.shape[0] as number);
    const onehot = op.reshape(op.oneHot(ids, table.shape[0] as number), [rows, table.shape[0] as number]);
    const dtab = op.gemm(onehot, op.reshape(dy(c), [rows, width]), null, { transA: true });
    return [op.reshape(dtab, table.shape), null];
  },
  Resize: (c) => {
    const x = inp(c, 0);
    const y = out(c);
    const shape: number[] = [x.shape[0] as number, x.shape[1] as number];
    const axes: number[] = [];
    for (let i = 2; i < x.rank; i++) {
      const f = (y.shape[i] as number) / (x.shape[i] as number);
      if (!Number.isInteger(f)) throw new EngineError('Resize gradient supports integer nearest upsampling only');
      shape.push(x.shape[i] as number, f);
      axes.push(shape.length - 1);
    }
    const factors = axes.map((a) => shape[a] as number);
    if (x.rank === 4) {
      // Σ over each f×f block as an average pool × f² (MLAS pooling) instead of a strided
      // 6-D ReduceSum (onnxruntime's slow path: 1.95 ms at 32×64×32×32).
      const pooled = op.averagePool(dy(c), factors, factors, [0, 0, 0, 0]);
      return [
        op.mul(
          pooled,
          factors.reduce((a, b) => a * b, 1),
        ),
        null,
        null,
      ];
    }
    return [op.reshape(op.reduceSum(op.reshape(dy(c), shape), axes, false), x.shape), null, null];
  },
  AveragePool: (c) => {
    const x = inp(c, 0);
    const k = intsAttr(c.node, 'kernel_shape') ?? [];
    const strides = intsAttr(c.node, 'strides') ?? k.map(() => 1);
    const pads = intsAttr(c.node, 'pads') ?? [...k, ...k].map(() => 0);
    const ch = x.shape[1] as number;
    const area = k.reduce((a, b) => a * b, 1);
    const w = c.g.floats(new Float32Array(ch * area).fill(1 / area), [ch, 1, ...k]);
    const d = dy(c);
    const outputPadding = k.map(
      (kk, i) =>
        (x.shape[2 + i] as number) - ((strides[i] as number) * ((d.shape[2 + i] as number) - 1) + kk - (pads[i] as number) - (pads[i + k.length] as number)),
    );
    return [op.convTranspose(d, w, { strides, pads, group: ch, outputPadding })];
  },
};

function matmulGrad(c: GradContext, tA: boolean, tB: boolean, alpha: number): (Value | null)[] {
  const a = inp(c, 0);
  const b = inp(c, 1);
  const d = dy(c);
  const res: (Value | null)[] = [null, null];
  if (c.needs[0]) {
    const da = tA ? op.matmul(b, d, { transA: tB, transB: true, alpha }) : op.matmul(d, b, { transB: !tB, alpha });
    res[0] = unbroadcast(da, a.shape);
  }
  if (c.needs[1]) {
    if (b.rank === 2 && a.rank > 2 && !tA) {
      // A weight shared across the batch: fold the batch into the GEMM's K dimension.
      const a2 = op.reshape(a, [-1, a.shape[a.rank - 1] as number]);
      const d2 = op.reshape(d, [-1, d.shape[d.rank - 1] as number]);
      res[1] = tB ? op.gemm(d2, a2, null, { transA: true, alpha }) : op.gemm(a2, d2, null, { transA: true, alpha });
    } else {
      const db = tB ? op.matmul(d, a, { transA: true, transB: tA, alpha }) : op.matmul(a, d, { transA: !tA, alpha });
      res[1] = unbroadcast(db, b.shape);
    }
  }
  return res;
}

export const gradRules: Readonly<Record<string, GradRule>> = rules;
