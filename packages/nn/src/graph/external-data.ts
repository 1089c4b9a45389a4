/**
 * ONNX external data for graphs whose constants do not fit one protobuf message (2 GB cap:
 * an fp32 SD 1.5 UNet's frozen weights are 3.4 GB). Initializers of at least `threshold`
 * bytes are written to a side file next to the model and the TensorProto records
 * `location`/`offset`/`length` (data_location = EXTERNAL); onnxruntime resolves the location
 * against the model's folder when the model is loaded by path.
 *
 * Large tensors start on a 4 KiB boundary so onnxruntime can map them from the file instead
 * of copying (it only maps page-aligned offsets). The side file is written chunk by chunk
 * from the tensors' own buffers: it is never assembled in memory (Node buffers and
 * `fs.readFile` stop at 2 GiB / 4 GiB).
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '@netsynth/core';
import { encodeModel, type ModelProtoJs, type TensorProtoJs } from '../onnx/proto.js';
import type { Graph, Value } from './ir.js';
import { buildModelProto, type SerializeOptions } from './serialize.js';

export interface ExternalDataOptions {
  /** Floating-point initializers of at least this many bytes go to the side file (0: every one). Default 1024. */
  threshold?: number;
  /** Side-file name, relative to the model file's folder. Default `<model file name>_data`. */
  location?: string;
}

export interface ExternalModel {
  /** The ModelProto bytes without the externalised tensors' data. */
  model: Uint8Array;
  /** Side-file location recorded in the tensors (relative to the model's folder). */
  location: string;
  /** Byte chunks of the side file, in order (padding included). */
  chunks: Uint8Array[];
  /** Side-file size in bytes. */
  dataBytes: number;
  /** How many initializers were moved out. */
  tensors: number;
}

const PAGE = 4096;
/** float32, float16, float64, bfloat16 */
const WEIGHT_TYPES = new Set([1, 10, 11, 16]);

type ExternalTensor = Omit<TensorProtoJs, 'rawData'> & { rawData?: Uint8Array; externalData?: { key: string; value: string }[]; dataLocation?: number };

/** Moves the large initializers of a built ModelProto into side-file chunks (mutates `proto`). */
export function externalizeInitializers(proto: ModelProtoJs, location: string, threshold = 1024): Omit<ExternalModel, 'model'> {
  const chunks: Uint8Array[] = [];
  let off = 0;
  let tensors = 0;
  for (const t of proto.graph.initializer as ExternalTensor[]) {
    const raw = t.rawData;
    const len = raw?.byteLength ?? 0;
    // Only weights: shape/axes tensors (int64) must stay inline for onnxruntime's shape inference.
    if (len < threshold || len === 0 || !WEIGHT_TYPES.has(t.dataType)) continue;
    const align = len >= PAGE ? PAGE : 64;
    const pad = (align - (off % align)) % align;
    if (pad) chunks.push(new Uint8Array(pad));
    off += pad;
    chunks.push(raw as Uint8Array);
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(off) },
      { key: 'length', value: String(len) },
    ];
    t.dataLocation = 1;
    // Absent, not empty: raw_data present beside data_location EXTERNAL is two data sources (onnx's external_data_helper clears it too).
    delete t.rawData;
    off += len;
    tensors++;
  }
  return { location, chunks, dataBytes: off, tensors };
}

/** serializeGraph with the large initializers split off into side-file chunks. */
export function serializeGraphExternal(
  g: Graph,
  outputs: Readonly<Record<string, Value>>,
  ext: ExternalDataOptions & { location: string },
  opts: SerializeOptions = {},
): ExternalModel {
  const proto = buildModelProto(g, outputs, opts);
  const rest = externalizeInitializers(proto, ext.location, ext.threshold ?? 1024);
  return { model: encodeModel(proto), ...rest };
}

/** Writes the model to `modelPath` and its side file next to it (by chunks, never whole). */
export async function writeExternalModel(modelPath: string, dir: string, m: ExternalModel): Promise<void> {
  const fh = await open(join(dir, m.location), 'w');
  try {
    for (const c of m.chunks) {
      let done = 0;
      while (done < c.byteLength) done += (await fh.write(c, done, Math.min(c.byteLength - done, 1 << 30))).bytesWritten;
    }
  } finally {
    await fh.close();
  }
  const mf = await open(modelPath, 'w');
  try {
    await mf.write(m.model);
  } finally {
    await mf.close();
  }
}

/** A model written to a private temporary folder for onnxruntime to load by path. */
export interface TempModelFiles {
  path: string;
  bytes: Uint8Array;
  dataBytes: number;
  remove: () => Promise<void>;
}

/** Serialises with external data into a fresh folder under `parent` (default the OS temp dir). */
export async function writeTempExternalModel(
  g: Graph,
  outputs: Readonly<Record<string, Value>>,
  ext: ExternalDataOptions & { dir?: string },
  opts: SerializeOptions = {},
): Promise<TempModelFiles> {
  const dir = await mkdtemp(join(ext.dir ?? tmpdir(), 'netsynth-nn-'));
  const path = join(dir, 'model.onnx');
  try {
    const m = serializeGraphExternal(g, outputs, { ...ext, location: ext.location ?? 'model.onnx_data' }, opts);
    await writeExternalModel(path, dir, m);
    return { path, bytes: m.model, dataBytes: m.dataBytes, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e instanceof EngineError ? e : new EngineError(`could not write the model with external data in ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
