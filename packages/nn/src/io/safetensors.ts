/**
 * safetensors reader and writer (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian header length, a JSON header ({name: {dtype, shape, data_offsets}} plus an
 * optional "__metadata__" string map) and the raw little-endian tensor bytes. Hand-written:
 * the npm packages found either only read, drop `__metadata__`, or pull a native/wasm
 * runtime for what is 150 lines of bounds checking. Every malformed input is a
 * ModelFileError naming the file and the byte offset of the bad part.
 */
import { readFile } from 'node:fs/promises';
import { ModelFileError, writeFileAtomic, type WriteOptions } from '@netsynth/core';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafeTensor {
  dtype: SafetensorsDType;
  shape: number[];
  /** Raw little-endian bytes (a copy, safely aligned for typed-array views). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, SafeTensor>;
}

export function tensorToFloat32(t: SafeTensor, file: string, name: string): Float32Array {
  if (t.dtype === 'F32') return new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4);
  if (t.dtype === 'F64') return Float32Array.from(new Float64Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 8));
  throw new ModelFileError(`tensor ${name} has dtype ${t.dtype}, expected F32`, file);
}

export function parseSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  if (buf.byteLength < 8) throw new ModelFileError(`file is ${buf.byteLength} bytes, too short for a safetensors header`, file, 0);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen < 2 || headerLen > buf.byteLength - 8)
    throw new ModelFileError(`header length ${headerLen} runs past the end of the ${buf.byteLength}-byte file`, file, 0);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new ModelFileError(`header is not valid UTF-8 JSON: ${(e as Error).message}`, file, 8, e);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new ModelFileError('header is not a JSON object', file, 8);
  const dataStart = 8 + headerLen;
  const dataLen = buf.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafeTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) throw new ModelFileError('__metadata__ is not an object', file, 8);
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new ModelFileError(`__metadata__.${k} is not a string`, file, 8);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0))
      throw new ModelFileError(`tensor ${name}: bad data_offsets`, file, 8);
    const [begin, end] = offs as [number, number];
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES))
      throw new ModelFileError(`tensor ${name}: unknown dtype ${String(e.dtype)}`, file, dataStart + begin);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new ModelFileError(`tensor ${name}: bad shape`, file, dataStart + begin);
    const dtype = e.dtype as SafetensorsDType;
    const shape = e.shape as number[];
    const expected = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (end < begin || end > dataLen)
      throw new ModelFileError(
        `tensor ${name}: data [${begin}, ${end}) runs past the end of the data (${dataLen} bytes)`,
        file,
        dataStart + Math.min(begin, dataLen),
      );
    if (end - begin !== expected)
      throw new ModelFileError(
        `tensor ${name}: ${end - begin} bytes of data for shape [${shape.join(',')}] ${dtype} (needs ${expected})`,
        file,
        dataStart + begin,
      );
    tensors.set(name, { dtype, shape, bytes: new Uint8Array(buf.subarray(dataStart + begin, dataStart + end)) });
  }
  return { metadata, tensors };
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new ModelFileError(`cannot read: ${(e as Error).message}`, path, undefined, e);
  }
  return parseSafetensors(buf, path);
}

export interface TensorToWrite {
  dtype?: SafetensorsDType;
  shape: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

/** Serialises tensors (in the given order) and string metadata. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const dtype =
      t.dtype ??
      (t.data instanceof Float32Array
        ? 'F32'
        : t.data instanceof Float64Array
          ? 'F64'
          : t.data instanceof BigInt64Array
            ? 'I64'
            : t.data instanceof Int32Array
              ? 'I32'
              : 'U8');
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
  options: WriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata), options);
}
