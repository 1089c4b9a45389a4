/**
 * Reading and writing initializer values of ONNX models, whichever way they are stored:
 * raw bytes, typed fields, or an external data file (read by slices at the recorded offset,
 * so a >2 GiB `model.onnx_data` is never read whole — fs.readFile fails above 2 GiB). Float16
 * and bfloat16 are widened to float32 for arithmetic and narrowed back when written.
 */
import { open } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { ModelFileError } from '@netsynth/core';
import { DataType, type TensorProto } from './proto.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half → float, exact. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** float → IEEE half, round to nearest even. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

export function externalInfo(t: TensorProto): { location: string; offset: number; length: number } | null {
  if (t.dataLocation !== 1) return null;
  const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) return null;
  return { location, offset: Number(kv.get('offset') ?? 0), length: Number(kv.get('length') ?? -1) };
}

/** The next 64-byte aligned offset of an external-data file (onnx's external_data_helper aligns them so). */
export function alignExternal(offset: number): number {
  return offset + ((64 - (offset % 64)) % 64);
}

/**
 * Points `t` at its `rawData.byteLength` bytes at `offset` of the external file `location` and
 * drops the inline data: absent, not empty (proto2 presence), as the onnx helper leaves it.
 */
export function moveToExternal(t: TensorProto, location: string, offset: number): void {
  t.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(t.rawData?.byteLength ?? 0) },
  ];
  t.dataLocation = 1;
  delete t.rawData;
}

const BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.FLOAT16]: 2,
  [DataType.BFLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.INT64]: 8,
  [DataType.INT32]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.BOOL]: 1,
};

export function elementCount(t: TensorProto): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

/** The tensor's bytes (raw little-endian), from inline raw data or the external file. */
export async function tensorBytes(t: TensorProto, modelDir: string, modelFile: string): Promise<Uint8Array> {
  const ext = externalInfo(t);
  if (!ext) {
    if (t.rawData && t.rawData.byteLength) return t.rawData;
    // Typed fields: re-encode as raw bytes.
    if (t.dataType === DataType.FLOAT) return new Uint8Array(Float32Array.from(t.floatData).buffer);
    if (t.dataType === DataType.DOUBLE) return new Uint8Array(Float64Array.from(t.doubleData).buffer);
    if (t.dataType === DataType.INT64) return new Uint8Array(BigInt64Array.from(t.int64Data.map((x) => BigInt(x))).buffer);
    if (t.dataType === DataType.FLOAT16 || t.dataType === DataType.BFLOAT16) return new Uint8Array(Uint16Array.from(t.int32Data).buffer);
    if (t.dataType === DataType.INT32) return new Uint8Array(Int32Array.from(t.int32Data).buffer);
    return new Uint8Array(0);
  }
  if (isAbsolute(ext.location) || normalize(ext.location).startsWith('..'))
    throw new ModelFileError(`initializer ${t.name}: external data location "${ext.location}" leaves the model folder`, modelFile);
  const file = join(modelDir, ext.location);
  const length = ext.length >= 0 ? ext.length : elementCount(t) * (BYTES[t.dataType] ?? 4);
  const out = new Uint8Array(length);
  let fh;
  try {
    fh = await open(file, 'r');
    let done = 0;
    // Slices of ≤ 1 GiB: one read call is limited to 2 GiB.
    while (done < length) {
      const n = Math.min(length - done, 1 << 30);
      const { bytesRead } = await fh.read(out, done, n, ext.offset + done);
      if (bytesRead === 0)
        throw new ModelFileError(`initializer ${t.name}: external data ends at ${ext.offset + done}, needs ${ext.offset + length}`, file, ext.offset + done);
      done += bytesRead;
    }
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`initializer ${t.name}: cannot read external data: ${(e as Error).message}`, file, ext.offset, e);
  } finally {
    await fh?.close();
  }
  return out;
}

export type FloatEncoding = 'f32' | 'f64' | 'f16' | 'bf16';

/** `n` float32 values from little-endian storage in one of the float encodings (copied first: `bytes` may be unaligned). */
export function floatsFromBytes(bytes: Uint8Array, n: number, encoding: FloatEncoding): Float32Array {
  const copy = new Uint8Array(bytes);
  switch (encoding) {
    case 'f32':
      return new Float32Array(copy.buffer, 0, n);
    case 'f64':
      return Float32Array.from(new Float64Array(copy.buffer, 0, n));
    case 'f16': {
      const h = new Uint16Array(copy.buffer, 0, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i] as number);
      return out;
    }
    case 'bf16': {
      // bfloat16 is the top half of a float32.
      const h = new Uint16Array(copy.buffer, 0, n);
      const out = new Float32Array(n);
      const w = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) w[i] = (h[i] as number) << 16;
      return out;
    }
  }
}

const ONNX_FLOAT_ENCODINGS = new Map<number, FloatEncoding>([
  [DataType.FLOAT, 'f32'],
  [DataType.DOUBLE, 'f64'],
  [DataType.FLOAT16, 'f16'],
  [DataType.BFLOAT16, 'bf16'],
]);

/** The tensor's values as float32 (from float32, float16, bfloat16 or double storage). */
export async function tensorFloat32(t: TensorProto, modelDir: string, modelFile: string): Promise<Float32Array> {
  const bytes = await tensorBytes(t, modelDir, modelFile);
  const encoding = ONNX_FLOAT_ENCODINGS.get(t.dataType);
  if (!encoding) throw new ModelFileError(`initializer ${t.name}: data type ${t.dataType} is not a float type`, modelFile);
  return floatsFromBytes(bytes, elementCount(t), encoding);
}

/**
 * Stores float32 values into the tensor in its own data type, inline (external location and
 * typed fields cleared). Used to patch merged LoRA weights before session creation.
 */
export function setTensorFloat32(t: TensorProto, values: Float32Array): void {
  let raw: Uint8Array;
  if (t.dataType === DataType.FLOAT) raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  else if (t.dataType === DataType.FLOAT16) {
    const h = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) h[i] = floatToHalf(values[i] as number);
    raw = new Uint8Array(h.buffer);
  } else if (t.dataType === DataType.BFLOAT16) {
    const w = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    const h = new Uint16Array(values.length);
    // Round to nearest even on the dropped 16 bits.
    for (let i = 0; i < values.length; i++) {
      const x = w[i] as number;
      h[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
    }
    raw = new Uint8Array(h.buffer);
  } else if (t.dataType === DataType.DOUBLE) raw = new Uint8Array(Float64Array.from(values).buffer);
  else throw new ModelFileError(`initializer ${t.name}: data type ${t.dataType} is not a float type`, t.name);
  t.rawData = raw;
  t.floatData = [];
  t.int32Data = [];
  t.doubleData = [];
  t.externalData = [];
  t.dataLocation = 0;
}
