/**
 * onnx.proto as protobufjs reflection. The descriptor is generated from the official file
 * (scripts/gen-onnx-descriptor.mjs → onnx-descriptor.generated.json, the `pbjs -t json`
 * form, data read by Root.fromJSON), so a foreign model's functions, sparse initializers,
 * training info and every other field survive decode → encode.
 *
 * onnx.proto is proto2: a field is either present or absent, and consumers such as
 * onnxruntime check which AttributeProto value field is present against its `type`. So decode
 * keeps presence — a decoded message holds as own properties exactly the fields that were on
 * the wire — and encode writes exactly the own properties that are set, nothing filled in.
 * Reading an absent scalar still gives its proto default (0, '', empty bytes), as generated
 * protobuf classes do: the defaults sit on the object's prototype, never on the object.
 * `onnx-proto` on npm pins protobufjs 6 and is CommonJS only, hence protobufjs directly.
 */
import { InvalidArgumentError } from '@netsynth/core';
import protobuf from 'protobufjs';
import onnxDescriptor from './onnx-descriptor.generated.json' with { type: 'json' };

const root = protobuf.Root.fromJSON(onnxDescriptor);
const ModelProto = root.lookupType('onnx.ModelProto');

type Plain = Record<string, unknown>;

/** The proto default of a scalar field, as decode's plain objects carry it (int64 as number). */
function scalarDefault(field: protobuf.Field): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return field.typeDefault;
  if (field.type === 'bytes') return Object.freeze(new Uint8Array(0));
  const d: unknown = field.typeDefault;
  // int64 defaults are Long objects when the `long` package is present: numbers, as toObject's `longs: Number`.
  return typeof d === 'object' && d !== null && 'low' in d ? protobuf.util.LongBits.from(d as protobuf.Long).toNumber() : d;
}

const defaultsByType = new Map<protobuf.Type, object>();

/**
 * One object per message type holding the defaults of its singular, non-oneof scalars. Not
 * frozen: a read-only property on the prototype would make assigning the field throw.
 */
function defaultsOf(type: protobuf.Type): object {
  let d = defaultsByType.get(type);
  if (!d) {
    const o: Plain = {};
    for (const f of type.fieldsArray) {
      f.resolve();
      // Messages and oneof members stay undefined when absent: "is it set" must stay answerable.
      if (f.repeated || f.map || f.partOf || f.resolvedType instanceof protobuf.Type) continue;
      o[f.name] = scalarDefault(f);
    }
    d = o;
    defaultsByType.set(type, d);
  }
  return d;
}

/** Puts the defaults of `type` under `obj` and its nested messages (their own properties untouched). */
function attachDefaults(obj: Plain, type: protobuf.Type): void {
  Object.setPrototypeOf(obj, defaultsOf(type));
  for (const f of type.fieldsArray) {
    const sub = f.resolvedType;
    const v = obj[f.name];
    if (!(sub instanceof protobuf.Type) || v == null) continue;
    if (Array.isArray(v)) for (const item of v as Plain[]) attachDefaults(item, sub);
    else attachDefaults(v as Plain, sub);
  }
}

/** Decode keeping presence: own properties = fields on the wire; repeated fields always arrays. */
function decodePresent(bytes: Uint8Array): Plain {
  const obj = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, arrays: true });
  attachDefaults(obj, ModelProto);
  return obj;
}

/**
 * Encodes the own properties that are set (not null/undefined). No fromObject pass: it reads
 * through the prototype and would turn every default into a present field.
 */
function encodePresent(model: object): Uint8Array {
  const problem = ModelProto.verify(model);
  if (problem) throw new InvalidArgumentError(`not an ONNX ModelProto: ${problem}`);
  return ModelProto.encode(model).finish();
}

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
  return encodePresent(model);
}

/** Decodes a model with int64 fields as JS numbers (the shapes and opsets we read fit); presence kept. */
export function decodeModel(bytes: Uint8Array): ModelProtoJs {
  return decodePresent(bytes) as unknown as ModelProtoJs;
}

/**
 * Any ONNX model as plain objects, for packages that read and patch foreign exports (external
 * data, float16): int64 fields as numbers, repeated fields as arrays (empty when absent), the
 * fields that were present as own properties and every absent scalar readable as its default.
 * Setting a field (even to its default) makes it present; delete it to make it absent.
 */
export function decodeOnnxModel(bytes: Uint8Array): unknown {
  return decodePresent(bytes);
}

/**
 * A new onnx.<typeName> message (e.g. 'AttributeProto') for patching a decoded model: the
 * given fields are present, every other scalar reads its default and is not encoded — so an
 * INT attribute built as { name, type: 2, i } carries no f or s, as onnxruntime requires.
 */
export function newOnnxMessage(typeName: string, fields: object): unknown {
  const type = root.lookup(`onnx.${typeName}`);
  if (!(type instanceof protobuf.Type)) throw new InvalidArgumentError(`onnx.proto has no message ${typeName}`);
  const msg: Plain = { ...fields };
  attachDefaults(msg, type);
  return msg;
}

/** The inverse of decodeOnnxModel: writes the fields that are set, byte-identical for an unpatched decode. */
export function encodeOnnxModel(model: object): Uint8Array {
  return encodePresent(model);
}
