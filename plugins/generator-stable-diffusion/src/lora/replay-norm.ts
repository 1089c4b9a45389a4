/** Graph-import rules for reductions and normalisations (see replay-table.ts for the table). */
import { ops as op, type ConstData, type Value } from '@netsynth/nn';
import type { NodeProto } from '../onnx/proto.js';
import { attrF, attrI, attrInts } from './replay-attrs.js';
import { constNumbers } from './replay-ops.js';
import type { ReplayState } from './replay-state.js';

export type OpRule = (n: NodeProto, st: ReplayState) => Value | Value[];

/** Reduction axes: the input (opset ≥ 13/18), else the attribute, else every axis. */
function reduceAxes(n: NodeProto, st: ReplayState, x: Value): number[] {
  return n.input[1] ? constNumbers(st.need(n.input[1], n, 'axes')) : (attrInts(n, 'axes') ?? x.shape.map((_, i) => i));
}

const reduce: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const keep = attrI(n, 'keepdims', 1) === 1;
  return n.opType === 'ReduceSum' ? op.reduceSum(x, reduceAxes(n, st, x), keep) : op.reduceMean(x, reduceAxes(n, st, x), keep);
};

const reduceSumSquare: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  return op.reduceSum(op.mul(x, x), reduceAxes(n, st, x), attrI(n, 'keepdims', 1) === 1);
};

const layerNormalization: OpRule = (n, st) => {
  const res = op.layerNormalization(st.arg(n, 0), st.arg(n, 1), st.optArg(n, 2), attrI(n, 'axis', -1), attrF(n, 'epsilon', 1e-5));
  return res.slice(0, n.output.length);
};

/** Per-channel (axis 1) broadcast shape of an N-d input. */
const channelShape = (x: Value): number[] => [x.shape[1] as number, ...new Array<number>(x.rank - 2).fill(1)];

/** Inference form: y = (x − mean)/sqrt(var + ε)·scale + bias per channel (axis 1). */
const batchNormalization: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const eps = attrF(n, 'epsilon', 1e-5);
  const shape = channelShape(x);
  const stats = [1, 2, 3, 4].map((k) => (st.isKnown(n.input[k]) ? (st.known.get(n.input[k] as string) as ConstData) : undefined));
  if (stats.every((s) => s && s.dtype === 'float32')) {
    const [sc, bi, mu, va] = stats.map((s) => (s as ConstData).data as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const aa = Float32Array.from(sc, (v, i) => v / Math.sqrt((va[i] as number) + eps));
    const bb = Float32Array.from(bi, (v, i) => v - (mu[i] as number) * (aa[i] as number));
    return op.add(op.mul(x, st.g.floats(aa, shape)), st.g.floats(bb, shape));
  }
  // Statistics computed in the graph (e.g. nn's GroupNorm folds γ·σ⁻¹ into the scale).
  const [sc, bi, mu, va] = [1, 2, 3, 4].map((k) => op.reshape(st.arg(n, k), shape)) as [Value, Value, Value, Value];
  const a = op.div(sc, op.sqrt(op.add(va, eps)));
  return op.add(op.mul(op.sub(x, mu), a), bi);
};

const instanceNormalization: OpRule = (n, st) => {
  const x = st.arg(n, 0);
  const c = x.shape[1] as number;
  const [normed] = op.layerNormalization(op.reshape(x, [0, c, -1]), st.g.floats([1], [1]), null, 2, attrF(n, 'epsilon', 1e-5));
  const shape = channelShape(x);
  return op.add(op.mul(op.reshape(normed, [0, ...x.shape.slice(1)]), op.reshape(st.arg(n, 1), shape)), op.reshape(st.arg(n, 2), shape));
};

export const NORM_RULES: Readonly<Record<string, OpRule>> = {
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceSumSquare: reduceSumSquare,
  LayerNormalization: layerNormalization,
  BatchNormalization: batchNormalization,
  InstanceNormalization: instanceNormalization,
};
