/**
 * onnx.proto as protobufjs reflection: the descriptor is generated from the official file
 * (scripts/gen-onnx-descriptor.mjs, onnx-descriptor.generated.ts), so a foreign model's
 * functions, sparse initializers, training info and every other field survive decode → encode.
 * The plain-object types below describe only the fields netsynth itself writes and reads.
 * `onnx-proto` on npm pins protobufjs 6 and is CommonJS only, hence protobufjs directly.
 */
import protobuf from 'protobufjs';
import { onnxDescriptor } from './onnx-descriptor.generated.js';

const root = protobuf.Root.fromJSON(onnxDescriptor);
const ModelProto = root.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType codes used here. */
export const OnnxDataType = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float64: 11 } as const;

export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProtoJs {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}
export interface AttributeProtoJs {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoJs;
  floats?: number[];
  ints?: number[];
}
export interface NodeProtoJs {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProtoJs[];
}
export interface ValueInfoProtoJs {
  name: string;
  type: { tensorType: { elemType: number; shape?: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
}
export interface ModelProtoJs {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: number }[];
  metadataProps?: { key: string; value: string }[];
  graph: {
    name: string;
    node: NodeProtoJs[];
    initializer: TensorProtoJs[];
    input: ValueInfoProtoJs[];
    output: ValueInfoProtoJs[];
  };
}

export function encodeModel(model: ModelProtoJs): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Decodes a model with int64 fields as JS numbers (the shapes and opsets we read fit). */
export function decodeModel(bytes: Uint8Array): ModelProtoJs {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, { longs: Number, defaults: true, arrays: true }) as ModelProtoJs;
}

/**
 * Any ONNX model as plain objects (int64 fields as numbers, defaults and empty arrays filled),
 * for packages that read foreign exports (external data, float16): they type the result.
 */
export function decodeOnnxModel(bytes: Uint8Array): unknown {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: true, arrays: true });
}

/** The inverse of decodeOnnxModel, for models patched as plain objects. */
export function encodeOnnxModel(model: object): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
