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
 *
 * Each node goes first through the constant-folding pass (replay-fold.ts), then through the
 * op table (replay-table.ts); the state both share is replay-state.ts.
 */
import { EngineError } from '@netsynth/core';
import type { ConstData, Graph, Value } from '@netsynth/nn';
import type { ModelProto, TensorProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';
import { tensorBytes, tensorFloat32 } from '../onnx/tensor-data.js';
import { foldConstants } from './replay-fold.js';
import { ReplayState, type LoraBranch } from './replay-state.js';
import { opRule } from './replay-table.js';

export type { LoraBranch } from './replay-state.js';

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
  const st = new ReplayState(g, consts, inputs, branches);
  for (const gi of model.graph.input)
    if (!st.values.has(gi.name) && !st.known.has(gi.name)) throw new EngineError(`graph import: no value given for model input "${gi.name}"`);
  for (const n of model.graph.node) {
    if (foldConstants(n, st)) continue;
    const out = opRule(n)(n, st);
    if (Array.isArray(out)) out.forEach((v, k) => st.set(n, v, k));
    else st.set(n, out);
  }
  const res: Record<string, Value> = {};
  for (const o of model.graph.output) {
    const v =
      st.values.get(o.name) ??
      (st.known.has(o.name) ? st.get(o.name, { name: 'output', opType: 'Output', domain: '', input: [], output: [], attribute: [] }) : undefined);
    if (!v) throw new EngineError(`graph import: output ${o.name} was not computed`);
    res[o.name] = v;
  }
  return res;
}
