/**
 * The constant-folding pass of the graph import: nodes whose inputs are known constants (the
 * int64 shape bookkeeping of a TorchScript export: Shape → Gather → Unsqueeze → Concat →
 * Reshape, and the ConstantOfShape/Range/Equal/Where logic of replay-ops.ts) are evaluated
 * here instead of entering the graph, because input shapes are fixed. `foldConstants` returns
 * true when it took care of the node.
 */
import { EngineError } from '@netsynth/core';
import type { ConstData } from '@netsynth/nn';
import type { NodeProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';
import { attr, attrI, attrInts, intConst, squeezedShape, tensorToConst } from './replay-attrs.js';
import { constNumbers, foldNode, type Fill } from './replay-ops.js';
import type { ReplayState } from './replay-state.js';

const INT_BINARY: Record<string, (a: bigint, b: bigint) => bigint> = { Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b };
const FLOAT_TYPES: readonly number[] = [DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE];
/** Constant node data types the import reads (others are an EngineError naming the node). */
const CONSTANT_TYPES: readonly number[] = [DataType.INT64, DataType.FLOAT, DataType.BOOL];

export function foldConstants(n: NodeProto, st: ReplayState): boolean {
  if (n.opType === 'Constant') return foldConstantNode(n, st);
  if (n.opType === 'Shape') return foldShape(n, st);
  const ins = n.input;
  const allKnown = ins.filter((i) => i !== '').every((i) => st.isKnown(i));
  if (allKnown && ins.length) {
    const first = st.known.get(ins[0] as string);
    // Cast of a stored weight (fp16 storage → float): kept a known constant (computed in float32).
    if (n.opType === 'Cast' && first?.dtype === 'float32' && [DataType.FLOAT, DataType.FLOAT16].includes(attrI(n, 'to', DataType.FLOAT) as 1 | 10)) {
      st.setKnown(n, first);
      return true;
    }
    const folded = (first?.dtype === 'int64' ? foldInt64(n, first, st) : undefined) ?? foldWithOps(n, st);
    if (folded) {
      st.setKnown(n, folded);
      return true;
    }
  }
  return foldFills(n, st);
}

function foldConstantNode(n: NodeProto, st: ReplayState): boolean {
  const t = attr(n, 'value')?.t;
  if (!t) throw new EngineError(`graph import: Constant ${n.name} without a tensor value`);
  if (!CONSTANT_TYPES.includes(t.dataType)) throw new EngineError(`graph import: Constant ${n.name} of data type ${t.dataType} is not supported`);
  st.setKnown(n, tensorToConst(t));
  return true;
}

function foldShape(n: NodeProto, st: ReplayState): boolean {
  const name = n.input[0] as string;
  // (from the constant itself when known: making it a graph value would stop its folding)
  const x = st.fills.get(name) ?? st.values.get(name) ?? st.known.get(name) ?? st.get(name, n);
  const rank = x.shape.length;
  const start = attrI(n, 'start', 0);
  const end = attr(n, 'end') ? attrI(n, 'end', rank) : rank;
  const dims = x.shape.slice(start < 0 ? start + rank : start, end < 0 ? end + rank : end);
  st.setKnown(n, intConst(dims, [dims.length]));
  return true;
}

/** int64 shape arithmetic on a known first input `a`; undefined: not an op folded here. */
function foldInt64(n: NodeProto, a: ConstData, st: ReplayState): ConstData | undefined {
  const ins = n.input;
  const av = constNumbers(a);
  switch (n.opType) {
    case 'Gather': {
      const idx = st.need(ins[1], n, 'indices');
      const iv = constNumbers(idx).map((i) => (i < 0 ? i + (a.shape[0] as number) : i));
      return intConst(
        iv.map((i) => av[i] as number),
        idx.shape,
      );
    }
    case 'Cast':
      if (FLOAT_TYPES.includes(attrI(n, 'to', DataType.FLOAT))) return { dtype: 'float32', shape: a.shape, data: Float32Array.from(av) };
      return { ...a, shape: [...a.shape] };
    case 'Identity':
      return { ...a, shape: [...a.shape] };
    case 'Unsqueeze':
    case 'Squeeze': {
      const axes = ins[1] ? constNumbers(st.need(ins[1], n, 'axes')) : (attrInts(n, 'axes') ?? []);
      return { ...a, shape: squeezedShape(n.opType, a.shape, axes) };
    }
    case 'Concat': {
      const all = ins.flatMap((i) => constNumbers(st.known.get(i) as ConstData));
      return intConst(all, [all.length]);
    }
    case 'Slice': {
      const L = av.length;
      const clamp = (v: number): number => Math.max(0, Math.min(L, v < 0 ? v + L : v));
      const r = av.slice(clamp(constNumbers(st.need(ins[1], n, 'starts'))[0] as number), clamp(constNumbers(st.need(ins[2], n, 'ends'))[0] as number));
      return intConst(r, [r.length]);
    }
    default:
      return foldIntBinary(n, a, av, st);
  }
}

/** Add/Sub/Mul/Div of two int64 constants with scalar broadcasting. */
function foldIntBinary(n: NodeProto, a: ConstData, av: readonly number[], st: ReplayState): ConstData | undefined {
  const ib = INT_BINARY[n.opType];
  if (!ib || n.input.length !== 2) return undefined;
  const b = constNumbers(st.need(n.input[1], n, 'operand'));
  const len = Math.max(av.length, b.length);
  const res = Array.from({ length: len }, (_, i) => Number(ib(BigInt(av[av.length === 1 ? 0 : i] as number), BigInt(b[b.length === 1 ? 0 : i] as number))));
  return intConst(res, av.length >= b.length ? a.shape : [b.length]);
}

/** Shape logic of real exports (ConstantOfShape/Range/Equal/Where/Expand/…) on constants. */
function foldWithOps(n: NodeProto, st: ReplayState): ConstData | undefined {
  const valueT = attr(n, 'value')?.t;
  return foldNode(
    n,
    n.input.map((i) => (i ? st.known.get(i) : undefined)),
    (a, d) => attrI(n, a, d),
    valueT ? tensorToConst(valueT) : undefined,
  );
}

/** Fills: a ConstantOfShape too large to fold (torch.empty before baddbmm) and the cheap arithmetic on it. */
function foldFills(n: NodeProto, st: ReplayState): boolean {
  const ins = n.input;
  if (n.opType === 'ConstantOfShape') {
    const valueT = attr(n, 'value')?.t;
    st.fills.set(n.output[0] as string, {
      value: valueT ? (constNumbers(tensorToConst(valueT))[0] ?? 0) : 0,
      shape: constNumbers(st.need(ins[0], n, 'shape')),
    });
    return true;
  }
  if ((n.opType !== 'Mul' && n.opType !== 'Add') || !ins.some((i) => st.fills.has(i))) return false;
  const fi = st.fills.has(ins[0] as string) ? 0 : 1;
  const f = st.fills.get(ins[fi] as string) as Fill;
  const other = ins[1 - fi] as string;
  const k = st.known.get(other);
  if (n.opType === 'Mul' && k && k.data.length === 1) {
    st.fills.set(n.output[0] as string, { value: f.value * (constNumbers(k)[0] as number), shape: f.shape });
    return true;
  }
  const x = st.values.get(other);
  const broadcastsInto = x && x.shape.length >= f.shape.length && f.shape.every((d, i) => d === 1 || d === x.shape[x.shape.length - f.shape.length + i]);
  if (n.opType === 'Add' && f.value === 0 && x && broadcastsInto) {
    st.set(n, x); // x + 0 (baddbmm's β·empty term)
    return true;
  }
  return false;
}
