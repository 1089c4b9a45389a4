/**
 * Reading ONNX node attributes and attribute tensors for the graph import (replay.ts): the
 * defaults are the ONNX spec's, so each op rule states only the attribute names it reads.
 */
import { EngineError } from '@netsynth/core';
import type { ConstData } from '@netsynth/nn';
import type { AttributeProto, NodeProto, TensorProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';

export function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name);
}

export const attrI = (n: NodeProto, name: string, d: number): number => {
  const a = attr(n, name);
  return a ? Number(a.i) : d;
};

export const attrF = (n: NodeProto, name: string, d: number): number => {
  const a = attr(n, name);
  return a ? a.f : d;
};

export const attrInts = (n: NodeProto, name: string): number[] | undefined => {
  const a = attr(n, name);
  return a && a.ints.length ? a.ints.map(Number) : undefined;
};

/** A string attribute (Einsum equation, Resize mode), undefined when absent. */
export function attrText(n: NodeProto, name: string): string | undefined {
  const a = attr(n, name);
  return a ? new TextDecoder().decode(a.s) : undefined;
}

export function intConst(values: readonly number[], shape: readonly number[]): ConstData {
  return { dtype: 'int64', shape: [...shape], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/**
 * The shape after Unsqueeze (insert 1s at `axes` of the output rank) or Squeeze (drop `axes`,
 * or every 1 when none are given); negative axes count from the end as ONNX says.
 */
export function squeezedShape(opType: string, shape: readonly number[], axes: readonly number[]): number[] {
  const unsqueeze = opType === 'Unsqueeze';
  const rank = shape.length + (unsqueeze ? 1 : 0);
  const at = axes.map((x) => (x < 0 ? x + rank : x));
  if (!unsqueeze) return shape.filter((d, i) => (at.length ? !at.includes(i) : d !== 1));
  const out = [...shape];
  for (const x of [...at].sort((p, q) => p - q)) out.splice(x, 0, 1);
  return out;
}

/** An attribute tensor (Constant / ConstantOfShape value) as nn constant data. */
export function tensorToConst(t: TensorProto): ConstData {
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
