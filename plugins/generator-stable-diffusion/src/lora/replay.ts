/**
 * Imports an ONNX graph into @netsynth/nn's graph IR by replaying its nodes through nn's op
 * builders (which infer static shapes and have gradient rules), with every initializer as a
 * frozen constant. LoRA branches are inserted beside chosen MatMul / Gemm / Conv nodes:
 *   y = base(x) + scale · up(down(x))
 * with `down`/`up` values the caller owns (trainable parameters of a training graph). The
 * autodiff then differentiates with respect to the LoRA values only.
 *
 * Covered: the ops of the tiny SD export and of nn's own graphs (Conv, Gemm, MatMul,
 * FusedMatMul, elementwise math, Reshape/Transpose/Concat/Split/Slice/Expand/Gather,
 * Reduce{Sum,Mean,SumSquare}, Softmax, LayerNormalization, BatchNormalization (inference),
 * InstanceNormalization, Resize (nearest, integer factor), AveragePool, Cast, Constant) and
 * the shape bookkeeping a TorchScript export adds (Shape, Unsqueeze, Squeeze, Gather/Concat/
 * Cast/arithmetic on int64 constants), folded to constants because input shapes are fixed.
 * The ops a real SD UNet TorchScript export adds (ConstantOfShape, Range, Equal, Where,
 * Einsum, …) are in replay-ops.ts. Anything else is an EngineError naming the op and node.
 */
import { EngineError } from '@netsynth/core';
import { ops as op, type ConstData, type Graph, type Value } from '@netsynth/nn';
import type { AttributeProto, ModelProto, NodeProto, TensorProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';
import { tensorBytes, tensorFloat32 } from '../onnx/tensor-data.js';
import { constNumbers, einsum, foldNode, materialise, whereData, type Fill } from './replay-ops.js';

export interface LoraBranch {
  down: Value;
  up: Value;
  scale: number;
}

/** Initializers as nn constant data (floats widened to float32). */
export async function loadConstants(model: ModelProto, modelDir: string, modelFile: string): Promise<Map<string, ConstData>> {
  const out = new Map<string, ConstData>();
  for (const t of model.graph.initializer) out.set(t.name, await tensorConst(t, modelDir, modelFile));
  return out;
}

async function tensorConst(t: TensorProto, dir: string, file: string): Promise<ConstData> {
  const shape = [...t.dims];
  switch (t.dataType) {
    case DataType.FLOAT:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.DOUBLE:
      return { dtype: 'float32', shape, data: await tensorFloat32(t, dir, file) };
    case DataType.INT64: {
      const b = new Uint8Array(await tensorBytes(t, dir, file));
      return { dtype: 'int64', shape, data: new BigInt64Array(b.buffer, 0, b.byteLength / 8) };
    }
    case DataType.INT32: {
      const b = new Uint8Array(await tensorBytes(t, dir, file));
      return { dtype: 'int64', shape, data: BigInt64Array.from(new Int32Array(b.buffer, 0, b.byteLength / 4), (x) => BigInt(x)) };
    }
    case DataType.BOOL: {
      const b = new Uint8Array(await tensorBytes(t, dir, file));
      return { dtype: 'bool', shape, data: b };
    }
    default:
      throw new EngineError(`initializer ${t.name}: data type ${t.dataType} is not supported by the graph import`);
  }
}

function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name);
}
const attrI = (n: NodeProto, name: string, d: number): number => {
  const a = attr(n, name);
  return a ? Number(a.i) : d;
};
const attrF = (n: NodeProto, name: string, d: number): number => {
  const a = attr(n, name);
  return a ? a.f : d;
};
const attrInts = (n: NodeProto, name: string): number[] | undefined => {
  const a = attr(n, name);
  return a && a.ints.length ? a.ints.map(Number) : undefined;
};

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
const INT_BINARY: Record<string, (a: bigint, b: bigint) => bigint> = { Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b };

function ints(c: ConstData): number[] {
  return Array.from(c.data as ArrayLike<number | bigint>, (v) => Number(v));
}

function intConst(values: readonly number[], shape: readonly number[]): ConstData {
  return { dtype: 'int64', shape: [...shape], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/**
 * Replays `model`'s nodes into `g`. `inputs` maps graph-input names to values (missing
 * inputs of the model are an error); returns the graph outputs by name.
 */
export function replayOnnx(
  model: ModelProto,
  consts: ReadonlyMap<string, ConstData>,
  g: Graph,
  inputs: Readonly<Record<string, Value>>,
  branches: ReadonlyMap<string, LoraBranch> = new Map(),
): Record<string, Value> {
  const values = new Map<string, Value>(Object.entries(inputs));
  const known = new Map<string, ConstData>(consts);
  const fills = new Map<string, Fill>();
  const get = (name: string, node: NodeProto): Value => {
    const v = values.get(name);
    if (v) return v;
    const f = fills.get(name);
    if (f) {
      const m = materialise(g, f);
      values.set(name, m);
      return m;
    }
    const k = known.get(name);
    if (!k) throw new EngineError(`graph import: value "${name}" (input of ${node.opType} ${node.name}) is not available`);
    const c = g.constant(k, name.replace(/[^A-Za-z0-9_.]/g, '_'));
    values.set(name, c);
    return c;
  };
  const isKnown = (name: string | undefined): name is string => name !== undefined && name !== '' && known.has(name) && !values.has(name);
  const need = (name: string | undefined, node: NodeProto, what: string): ConstData => {
    const k = name ? known.get(name) : undefined;
    if (!k) throw new EngineError(`graph import: ${node.opType} ${node.name}: ${what} must be a constant`);
    return k;
  };
  for (const gi of model.graph.input)
    if (!values.has(gi.name) && !known.has(gi.name)) throw new EngineError(`graph import: no value given for model input "${gi.name}"`);

  for (const n of model.graph.node) {
    const ins = n.input;
    const set = (v: Value, k = 0): void => {
      values.set(n.output[k] as string, v);
    };
    const setKnown = (c: ConstData, k = 0): void => {
      known.set(n.output[k] as string, c);
    };
    // Constant folding of int64 shape arithmetic (Shape → Gather → Unsqueeze → Concat → Reshape).
    const allKnown = ins.filter((i) => i !== '').every((i) => isKnown(i));
    if (n.opType === 'Constant' && attr(n, 'value')?.t?.dataType === DataType.BOOL) {
      setKnown(tensorToConst(attr(n, 'value')?.t as TensorProto));
      continue;
    }
    if (n.opType === 'Constant') {
      const t = attr(n, 'value')?.t;
      if (!t) throw new EngineError(`graph import: Constant ${n.name} without a tensor value`);
      const raw = t.rawData?.byteLength ? new Uint8Array(t.rawData) : undefined;
      if (t.dataType === DataType.INT64)
        setKnown({
          dtype: 'int64',
          shape: [...t.dims],
          data: raw ? new BigInt64Array(raw.buffer, 0, raw.byteLength / 8) : BigInt64Array.from(t.int64Data, (x) => BigInt(x)),
        });
      else if (t.dataType === DataType.FLOAT)
        setKnown({ dtype: 'float32', shape: [...t.dims], data: raw ? new Float32Array(raw.buffer, 0, raw.byteLength / 4) : Float32Array.from(t.floatData) });
      else throw new EngineError(`graph import: Constant ${n.name} of data type ${t.dataType} is not supported`);
      continue;
    }
    if (n.opType === 'Shape') {
      // (from the constant itself when known: making it a graph value would stop its folding)
      const x = fills.get(ins[0] as string) ?? values.get(ins[0] as string) ?? known.get(ins[0] as string) ?? get(ins[0] as string, n);
      const rank = x.shape.length;
      const start = attrI(n, 'start', 0);
      const end = attr(n, 'end') ? attrI(n, 'end', rank) : rank;
      const dims = x.shape.slice(start < 0 ? start + rank : start, end < 0 ? end + rank : end);
      setKnown(intConst(dims, [dims.length]));
      continue;
    }
    // Cast of a stored weight (fp16 storage → float): keep it a known constant (computed in float32).
    if (
      n.opType === 'Cast' &&
      allKnown &&
      known.get(ins[0] as string)?.dtype === 'float32' &&
      [DataType.FLOAT, DataType.FLOAT16].includes(attrI(n, 'to', DataType.FLOAT) as 1 | 10)
    ) {
      setKnown(known.get(ins[0] as string) as ConstData);
      continue;
    }
    if (allKnown && ins.length && known.get(ins[0] as string)?.dtype === 'int64') {
      const a = known.get(ins[0] as string) as ConstData;
      const av = ints(a);
      if (n.opType === 'Gather') {
        const idx = need(ins[1], n, 'indices');
        const iv = ints(idx).map((i) => (i < 0 ? i + (a.shape[0] as number) : i));
        setKnown(
          intConst(
            iv.map((i) => av[i] as number),
            idx.shape,
          ),
        );
        continue;
      }
      if (n.opType === 'Cast' && [DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE].includes(attrI(n, 'to', DataType.FLOAT) as 1 | 10 | 11)) {
        setKnown({ dtype: 'float32', shape: a.shape, data: Float32Array.from(av) });
        continue;
      }
      if (n.opType === 'Unsqueeze' || n.opType === 'Squeeze' || n.opType === 'Cast' || n.opType === 'Identity') {
        let shape = [...a.shape];
        if (n.opType === 'Unsqueeze' || n.opType === 'Squeeze') {
          const rank = a.shape.length + (n.opType === 'Unsqueeze' ? 1 : 0);
          const axes = (ins[1] ? ints(need(ins[1], n, 'axes')) : (attrInts(n, 'axes') ?? [])).map((x) => (x < 0 ? x + rank : x));
          if (n.opType === 'Unsqueeze') for (const x of [...axes].sort((p, q) => p - q)) shape.splice(x, 0, 1);
          else shape = shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
        }
        setKnown({ ...a, shape });
        continue;
      }
      if (n.opType === 'Concat') {
        const all = ins.flatMap((i) => ints(known.get(i) as ConstData));
        setKnown(intConst(all, [all.length]));
        continue;
      }
      const ib = INT_BINARY[n.opType];
      if (ib && ins.length === 2) {
        const b = ints(need(ins[1], n, 'operand'));
        const len = Math.max(av.length, b.length);
        const res = Array.from({ length: len }, (_, i) =>
          Number(ib(BigInt(av[av.length === 1 ? 0 : i] as number), BigInt(b[b.length === 1 ? 0 : i] as number))),
        );
        setKnown(intConst(res, av.length >= b.length ? a.shape : [b.length]));
        continue;
      }
      if (n.opType === 'Slice') {
        const st = ints(need(ins[1], n, 'starts'))[0] as number;
        const en = ints(need(ins[2], n, 'ends'))[0] as number;
        const L = av.length;
        const s = Math.max(0, Math.min(L, st < 0 ? st + L : st));
        const e = Math.max(0, Math.min(L, en < 0 ? en + L : en));
        const r = av.slice(s, e);
        setKnown(intConst(r, [r.length]));
        continue;
      }
    }
    // Shape logic of real exports (ConstantOfShape/Range/Equal/Where/Expand/…) on constants.
    const valueT = attr(n, 'value')?.t;
    if (allKnown && ins.length) {
      const folded = foldNode(
        n,
        ins.map((i) => (i ? known.get(i) : undefined)),
        (a, d) => attrI(n, a, d),
        valueT ? tensorToConst(valueT) : undefined,
      );
      if (folded) {
        setKnown(folded);
        continue;
      }
    }
    if (n.opType === 'ConstantOfShape') {
      // Too large to fold (torch.empty before baddbmm): kept symbolic.
      fills.set(n.output[0] as string, { value: valueT ? (constNumbers(tensorToConst(valueT))[0] ?? 0) : 0, shape: ints(need(ins[0], n, 'shape')) });
      continue;
    }
    if ((n.opType === 'Mul' || n.opType === 'Add') && ins.some((i) => fills.has(i))) {
      const fi = fills.has(ins[0] as string) ? 0 : 1;
      const f = fills.get(ins[fi] as string) as Fill;
      const other = ins[1 - fi] as string;
      const k = known.get(other);
      if (n.opType === 'Mul' && k && k.data.length === 1) {
        fills.set(n.output[0] as string, { value: f.value * (constNumbers(k)[0] as number), shape: f.shape });
        continue;
      }
      const x = values.get(other);
      if (
        n.opType === 'Add' &&
        f.value === 0 &&
        x &&
        x.shape.length >= f.shape.length &&
        f.shape.every((d, i) => d === 1 || d === x.shape[x.shape.length - f.shape.length + i])
      ) {
        set(x); // x + 0 (baddbmm's β·empty term)
        continue;
      }
    }

    let out: Value | Value[];
    switch (n.opType) {
      case 'Where': {
        const cond = known.get(ins[0] as string);
        if (!cond) throw new EngineError(`graph import: Where ${n.name} with a condition computed from data is not supported`);
        const side = (i: string): Value | ConstData => known.get(i) ?? get(i, n);
        out = whereData(g, cond, side(ins[1] as string), side(ins[2] as string));
        break;
      }
      case 'Einsum': {
        const eq = attr(n, 'equation');
        if (ins.length !== 2 || !eq) throw new EngineError(`graph import: Einsum ${n.name} with ${ins.length} operands is not supported (two only)`);
        out = einsum(new TextDecoder().decode(eq.s), get(ins[0] as string, n), get(ins[1] as string, n));
        break;
      }
      case 'Conv': {
        const x = get(ins[0] as string, n);
        const w = get(ins[1] as string, n);
        const b = ins[2] ? get(ins[2], n) : null;
        const sp = x.rank - 2;
        const convOpts = {
          strides: attrInts(n, 'strides') ?? new Array<number>(sp).fill(1),
          pads: attrInts(n, 'pads') ?? new Array<number>(2 * sp).fill(0),
          dilations: attrInts(n, 'dilations') ?? new Array<number>(sp).fill(1),
          group: attrI(n, 'group', 1),
        };
        out = op.conv(x, w, b, convOpts);
        const br = branches.get(n.name);
        if (br) out = op.add(out, op.mul(op.conv(op.conv(x, br.down, null, convOpts), br.up, null), br.scale));
        break;
      }
      case 'Gemm':
      case 'MatMul':
      case 'FusedMatMul': {
        const a = get(ins[0] as string, n);
        const b = get(ins[1] as string, n);
        const transA = attrI(n, 'transA', 0) === 1;
        const transB = attrI(n, 'transB', 0) === 1;
        if (n.opType === 'Gemm')
          out = op.gemm(a, b, ins[2] ? get(ins[2], n) : null, { transA, transB, alpha: attrF(n, 'alpha', 1), beta: attrF(n, 'beta', 1) });
        else out = op.matmul(a, b, { transA, transB, alpha: attrF(n, 'alpha', 1) });
        const br = branches.get(n.name);
        if (br) {
          if (transA) throw new EngineError(`graph import: LoRA on ${n.name} with transposed input is not supported`);
          out = op.add(out, op.mul(op.matmul(op.matmul(a, br.down, { transB: true }), br.up, { transB: true }), br.scale));
        }
        break;
      }
      case 'Reshape':
        out = op.reshape(get(ins[0] as string, n), ints(need(ins[1], n, 'shape')));
        break;
      case 'Transpose': {
        const x = get(ins[0] as string, n);
        out = op.transpose(x, attrInts(n, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i));
        break;
      }
      case 'Softmax':
        out = op.softmax(get(ins[0] as string, n), attrI(n, 'axis', -1));
        break;
      case 'Concat':
        out = op.concat(
          ins.map((i) => get(i, n)),
          attrI(n, 'axis', 0),
        );
        break;
      case 'Split': {
        const x = get(ins[0] as string, n);
        const axis = attrI(n, 'axis', 0);
        const a = axis < 0 ? axis + x.rank : axis;
        const sizes = ins[1]
          ? ints(need(ins[1], n, 'split'))
          : (attrInts(n, 'split') ?? new Array<number>(n.output.length).fill((x.shape[a] as number) / n.output.length));
        out = op.split(x, sizes, axis);
        break;
      }
      case 'Slice': {
        const x = get(ins[0] as string, n);
        const starts = ints(need(ins[1], n, 'starts'));
        const ends = ints(need(ins[2], n, 'ends'));
        const axes = ins[3] ? ints(need(ins[3], n, 'axes')) : starts.map((_, i) => i);
        const steps = ins[4] ? ints(need(ins[4], n, 'steps')) : undefined;
        out = op.slice(
          x,
          starts,
          ends.map((e) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, e))),
          axes,
          steps,
        );
        break;
      }
      case 'ReduceSum':
      case 'ReduceMean': {
        const x = get(ins[0] as string, n);
        const axes = ins[1] ? ints(need(ins[1], n, 'axes')) : (attrInts(n, 'axes') ?? x.shape.map((_, i) => i));
        const keep = attrI(n, 'keepdims', 1) === 1;
        out = n.opType === 'ReduceSum' ? op.reduceSum(x, axes, keep) : op.reduceMean(x, axes, keep);
        break;
      }
      case 'LayerNormalization': {
        const x = get(ins[0] as string, n);
        const res = op.layerNormalization(x, get(ins[1] as string, n), ins[2] ? get(ins[2], n) : null, attrI(n, 'axis', -1), attrF(n, 'epsilon', 1e-5));
        out = res.slice(0, n.output.length);
        break;
      }
      case 'BatchNormalization': {
        // Inference form: y = (x − mean)/sqrt(var + ε)·scale + bias per channel (axis 1).
        const x = get(ins[0] as string, n);
        const eps = attrF(n, 'epsilon', 1e-5);
        const c = x.shape[1] as number;
        const shape = [c, ...new Array<number>(x.rank - 2).fill(1)];
        const stats = [1, 2, 3, 4].map((k) => (isKnown(ins[k]) ? (known.get(ins[k] as string) as ConstData) : undefined));
        if (stats.every((st) => st && st.dtype === 'float32')) {
          const [sc, bi, mu, va] = stats.map((st) => (st as ConstData).data as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
          const aa = Float32Array.from(sc, (v, i) => v / Math.sqrt((va[i] as number) + eps));
          const bb = Float32Array.from(bi, (v, i) => v - (mu[i] as number) * (aa[i] as number));
          out = op.add(op.mul(x, g.floats(aa, shape)), g.floats(bb, shape));
        } else {
          // Statistics computed in the graph (e.g. nn's GroupNorm folds γ·σ⁻¹ into the scale).
          const [sc, bi, mu, va] = [1, 2, 3, 4].map((k) => op.reshape(get(ins[k] as string, n), shape)) as [Value, Value, Value, Value];
          const a = op.div(sc, op.sqrt(op.add(va, eps)));
          out = op.add(op.mul(op.sub(x, mu), a), bi);
        }
        break;
      }
      case 'ReduceSumSquare': {
        const x = get(ins[0] as string, n);
        const axes = ins[1] ? ints(need(ins[1], n, 'axes')) : (attrInts(n, 'axes') ?? x.shape.map((_, i) => i));
        out = op.reduceSum(op.mul(x, x), axes, attrI(n, 'keepdims', 1) === 1);
        break;
      }
      case 'InstanceNormalization': {
        const x = get(ins[0] as string, n);
        const c = x.shape[1] as number;
        const [normed] = op.layerNormalization(op.reshape(x, [0, c, -1]), g.floats([1], [1]), null, 2, attrF(n, 'epsilon', 1e-5));
        const shape = [c, ...new Array<number>(x.rank - 2).fill(1)];
        out = op.add(
          op.mul(op.reshape(normed, [0, ...x.shape.slice(1)]), op.reshape(get(ins[1] as string, n), shape)),
          op.reshape(get(ins[2] as string, n), shape),
        );
        break;
      }
      case 'Cast': {
        const x = get(ins[0] as string, n);
        const to = attrI(n, 'to', DataType.FLOAT);
        // float16 storage is computed in float32 here.
        if (to === DataType.FLOAT || to === DataType.FLOAT16) out = x.dtype === 'float32' ? x : op.cast(x, 'float32');
        else if (to === DataType.INT64) out = op.cast(x, 'int64');
        else throw new EngineError(`graph import: Cast to type ${to} (${n.name}) is not supported`);
        break;
      }
      case 'Identity':
        out = get(ins[0] as string, n);
        break;
      case 'Expand':
        out = op.expand(get(ins[0] as string, n), ints(need(ins[1], n, 'shape')));
        break;
      case 'Unsqueeze':
      case 'Squeeze': {
        const x = get(ins[0] as string, n);
        const axes = (ins[1] ? ints(need(ins[1], n, 'axes')) : (attrInts(n, 'axes') ?? [])).map((a) =>
          a < 0 ? a + x.rank + (n.opType === 'Unsqueeze' ? 1 : 0) : a,
        );
        let shape: number[];
        if (n.opType === 'Unsqueeze') {
          shape = [...x.shape];
          for (const a of [...axes].sort((p, q) => p - q)) shape.splice(a, 0, 1);
        } else shape = x.shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
        out = op.reshape(x, shape);
        break;
      }
      case 'Gather': {
        if (attrI(n, 'axis', 0) !== 0) throw new EngineError(`graph import: Gather on axis ≠ 0 (${n.name}) is not supported`);
        out = op.gather(get(ins[0] as string, n), get(ins[1] as string, n));
        break;
      }
      case 'Resize': {
        const x = get(ins[0] as string, n);
        const scales = ins[2] && known.get(ins[2])?.data.length ? Array.from(known.get(ins[2])?.data as Float32Array) : undefined;
        const sizes = ins[3] ? ints(need(ins[3], n, 'sizes')) : undefined;
        const f = scales ? (scales[2] as number) : sizes ? (sizes[2] as number) / (x.shape[2] as number) : NaN;
        const mode = attr(n, 'mode');
        const modeName = mode ? new TextDecoder().decode(mode.s) : 'nearest';
        if (!Number.isInteger(f) || modeName !== 'nearest')
          throw new EngineError(`graph import: Resize ${n.name} (${modeName}, factor ${f}) is not supported: nearest with an integer factor only`);
        out = op.resizeNearest(x, f);
        break;
      }
      case 'AveragePool': {
        const x = get(ins[0] as string, n);
        out = op.averagePool(x, attrInts(n, 'kernel_shape') ?? [1, 1], attrInts(n, 'strides') ?? [1, 1], attrInts(n, 'pads') ?? [0, 0, 0, 0]);
        break;
      }
      case 'Sum':
        out = ins.map((i) => get(i, n)).reduce((a, b) => op.add(a, b));
        break;
      default: {
        const u = UNARY[n.opType];
        const b = BINARY[n.opType];
        if (u) out = u(get(ins[0] as string, n));
        else if (b) out = b(get(ins[0] as string, n), get(ins[1] as string, n));
        else throw new EngineError(`graph import: op ${n.domain ? `${n.domain}.` : ''}${n.opType} (node ${n.name}) has no nn equivalent yet`);
      }
    }
    if (Array.isArray(out)) out.forEach((v, k) => set(v, k));
    else set(out);
  }
  const res: Record<string, Value> = {};
  for (const o of model.graph.output) {
    const v =
      values.get(o.name) ??
      (known.has(o.name) ? get(o.name, { name: 'output', opType: 'Output', domain: '', input: [], output: [], attribute: [] }) : undefined);
    if (!v) throw new EngineError(`graph import: output ${o.name} was not computed`);
    res[o.name] = v;
  }
  return res;
}

/** An attribute tensor (Constant / ConstantOfShape value) as nn constant data. */
function tensorToConst(t: TensorProto): ConstData {
  const raw = t.rawData?.byteLength ? new Uint8Array(t.rawData) : undefined;
  const shape = [...t.dims];
  switch (t.dataType) {
    case DataType.INT64:
      return { dtype: 'int64', shape, data: raw ? new BigInt64Array(raw.buffer, 0, raw.byteLength / 8) : BigInt64Array.from(t.int64Data, (x) => BigInt(x)) };
    case DataType.INT32:
      return {
        dtype: 'int64',
        shape,
        data: raw ? BigInt64Array.from(new Int32Array(raw.buffer, 0, raw.byteLength / 4), (x) => BigInt(x)) : BigInt64Array.from(t.int32Data, (x) => BigInt(x)),
      };
    case DataType.BOOL:
      return { dtype: 'bool', shape, data: raw ?? Uint8Array.from(t.int32Data) };
    case DataType.FLOAT:
      return { dtype: 'float32', shape, data: raw ? new Float32Array(raw.buffer, 0, raw.byteLength / 4) : Float32Array.from(t.floatData) };
    default:
      throw new EngineError(`graph import: constant tensor of data type ${t.dataType} is not supported`);
  }
}
