/**
 * Types of the part of onnx.proto this package reads and writes: models with external data
 * (`external_data`, `data_location`), float16 tensors and value infos. The wire codec is
 * @netsynth/nn's (one descriptor for the project); this file only types its plain objects.
 */
import { decodeOnnxModel, encodeOnnxModel, newOnnxMessage } from '@netsynth/nn';

/** ONNX TensorProto.DataType codes. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;

export interface StringEntry {
  key: string;
  value: string;
}

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  externalData: StringEntry[];
  /** 1 = EXTERNAL. */
  dataLocation: number;
}

export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  t?: TensorProto | null;
  floats: number[];
  ints: number[];
}

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export interface ValueInfoProto {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: { dimValue?: number; dimParam?: string }[] } | null } | null } | null;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: number }[];
  metadataProps: StringEntry[];
  graph: GraphProto;
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return decodeOnnxModel(bytes) as ModelProto;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return encodeOnnxModel(model);
}

/** An INT attribute with only name, type and i present (onnx.proto is proto2: no f or s beside it). */
export function intAttribute(name: string, i: number): AttributeProto {
  return newOnnxMessage('AttributeProto', { name, type: 2, i }) as AttributeProto;
}
