/**
 * One ONNX component of an SD folder (text encoder, UNet, VAE halves, ControlNet) as an
 * onnxruntime session whose tensor names, element types and shapes are read from the
 * session's input/output metadata (exporters differ: input_ids int32 or int64, timestep
 * int64 [1] / float [B] / 0-d, float16 or float32 everywhere). Callers pass float32 (or
 * integer ids) and get float32 back; conversion to the declared type happens here.
 */
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { EngineError, ModelFileError, isNetsynthError } from '@netsynth/core';
import type * as ort from 'onnxruntime-node';
import { resolveExecutionProviders } from '@netsynth/nn';
import { floatToHalf, halfToFloat } from '../onnx/tensor-data.js';
import { InProcessBackend, WorkerBackend, type PlainTensor, type SessionBackend, type ValueMeta } from './backend.js';

export interface TensorInfo {
  name: string;
  type: string;
  /** Dimensions; a string or -1 is symbolic. */
  shape: (number | string)[];
}

export type Feed = { data: Float32Array | BigInt64Array | Int32Array; dims: readonly number[] };

export interface RuntimeSettings {
  threads?: number;
  /** Run the session in a worker thread (keeps the event loop free during evaluations). */
  worker?: boolean;
  /** With `worker`: abort terminates the evaluation in progress. */
  signal?: AbortSignal;
  /** Execution providers in order of preference (default CPU); a missing one falls back with a warning. */
  executionProviders?: readonly string[];
  /** Receives the fallback warnings (default: a process warning). */
  onWarning?: (message: string) => void;
}

export class OnnxComponent {
  private constructor(
    readonly path: string,
    private readonly session: SessionBackend,
    readonly inputs: Map<string, TensorInfo>,
    readonly outputs: Map<string, TensorInfo>,
    private readonly onDispose?: () => Promise<void>,
  ) {}

  /**
   * From a file (external data next to it), or from patched bytes whose external data lives in
   * `externalFolder` (default `dirname(path)`). `onDispose` runs after the session is released.
   */
  static async load(
    path: string,
    bytes?: Uint8Array,
    rt: RuntimeSettings = {},
    externalFolder?: string,
    onDispose?: () => Promise<void>,
  ): Promise<OnnxComponent> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: resolveExecutionProviders({ executionProviders: rt.executionProviders ?? ['cpu'], ...(rt.onWarning && { onWarning: rt.onWarning }) }),
      intraOpNumThreads: rt.threads ?? availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      ...(bytes && { extra: { session: { model_external_initializers_file_folder_path: externalFolder ?? dirname(path) } } }),
    };
    let s: SessionBackend;
    try {
      s = await openBackend(path, bytes, options, rt);
    } catch (e) {
      await onDispose?.();
      if (isNetsynthError(e)) throw e;
      throw new ModelFileError(`onnxruntime cannot load the model: ${(e as Error).message}`, path, undefined, e);
    }
    const info = (m: readonly ValueMeta[]): Map<string, TensorInfo> =>
      new Map(m.map((v) => [v.name, { name: v.name, type: v.isTensor ? (v.type as string) : 'non-tensor', shape: v.isTensor ? [...(v.shape ?? [])] : [] }]));
    return new OnnxComponent(path, s, info(s.inputMetadata), info(s.outputMetadata), onDispose);
  }

  input(name: string): TensorInfo {
    const i = this.inputs.get(name);
    if (!i) throw new ModelFileError(`model has no input "${name}" (inputs: ${[...this.inputs.keys()].join(', ')})`, this.path);
    return i;
  }

  /** First input whose name is one of `names`. */
  findInput(...names: string[]): TensorInfo | undefined {
    for (const n of names) {
      const i = this.inputs.get(n);
      if (i) return i;
    }
    return undefined;
  }

  private toTensor(info: TensorInfo, f: Feed): PlainTensor {
    const dims = [...f.dims];
    // A view of a bigger buffer (a chunk) is copied, so only its own bytes cross to a worker.
    const d = f.data.byteLength < f.data.buffer.byteLength ? (f.data.slice() as Feed['data']) : f.data;
    switch (info.type) {
      case 'float32':
        if (!(d instanceof Float32Array)) throw new EngineError(`input ${info.name} wants float32`);
        return { type: 'float32', data: d, dims };
      case 'float16': {
        if (!(d instanceof Float32Array)) throw new EngineError(`input ${info.name} wants float data`);
        const h = new Uint16Array(d.length);
        for (let i = 0; i < d.length; i++) h[i] = floatToHalf(d[i] as number);
        return { type: 'float16', data: h, dims };
      }
      case 'int64':
        return {
          type: 'int64',
          data: d instanceof BigInt64Array ? d : BigInt64Array.from(Array.from(d as ArrayLike<number>, (x) => BigInt(Math.round(x)))),
          dims,
        };
      case 'int32':
        return { type: 'int32', data: d instanceof Int32Array ? d : Int32Array.from(Array.from(d as ArrayLike<number | bigint>, (x) => Number(x))), dims };
      default:
        throw new EngineError(`input ${info.name}: element type ${info.type} is not supported`);
    }
  }

  /**
   * Runs with float32/integer feeds; returns float32 outputs with their dims. When the model
   * has a fixed batch size smaller than the feeds' (e.g. exported with batch 1), the feeds
   * whose axis 0 is that batch are run in chunks and the outputs concatenated on axis 0.
   */
  async run(feeds: Readonly<Record<string, Feed>>, outputNames?: string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    let fixed: number | undefined;
    let total: number | undefined;
    for (const [name, f] of Object.entries(feeds)) {
      const d0 = this.input(name).shape[0];
      if (typeof d0 === 'number' && d0 > 0 && f.dims.length > 0 && (f.dims[0] as number) > d0) {
        fixed = d0;
        total = f.dims[0] as number;
        break;
      }
    }
    if (fixed === undefined || total === undefined) return this.runOnce(feeds, outputNames);
    if (total % fixed) throw new EngineError(`${this.path}: batch ${total} is not a multiple of the model's fixed batch ${fixed}`);
    const parts: Record<string, { data: Float32Array; dims: number[] }>[] = [];
    for (let k = 0; k < total; k += fixed) {
      const chunk: Record<string, Feed> = {};
      for (const [name, f] of Object.entries(feeds)) {
        if (f.dims.length > 0 && f.dims[0] === total) {
          const per = f.data.length / total;
          chunk[name] = { data: f.data.subarray(k * per, (k + fixed) * per) as Feed['data'], dims: [fixed, ...f.dims.slice(1)] };
        } else chunk[name] = f;
      }
      parts.push(await this.runOnce(chunk, outputNames));
    }
    const out: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const key of Object.keys(parts[0] ?? {})) {
      const pieces = parts.map((p) => p[key] as { data: Float32Array; dims: number[] });
      const data = new Float32Array(pieces.reduce((a, p) => a + p.data.length, 0));
      let off = 0;
      for (const p of pieces) {
        data.set(p.data, off);
        off += p.data.length;
      }
      const first = pieces[0] as { dims: number[] };
      out[key] = { data, dims: [pieces.reduce((a, p) => a + (p.dims[0] as number), 0), ...first.dims.slice(1)] };
    }
    return out;
  }

  private async runOnce(feeds: Readonly<Record<string, Feed>>, outputNames?: string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    const t: Record<string, PlainTensor> = {};
    for (const [name, f] of Object.entries(feeds)) t[name] = this.toTensor(this.input(name), f);
    let r: Record<string, PlainTensor>;
    try {
      r = await this.session.run(t, outputNames);
    } catch (e) {
      if (isNetsynthError(e) && e.code === 'INTERRUPTED') throw e;
      throw new EngineError(`${this.path}: run failed: ${(e as Error).message}`, { cause: e });
    }
    const out: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const [k, v] of Object.entries(r)) {
      const tv = v;
      let data: Float32Array;
      if (tv.type === 'float16') {
        const h = tv.data as Uint16Array;
        data = new Float32Array(h.length);
        for (let i = 0; i < h.length; i++) data[i] = halfToFloat(h[i] as number);
      } else if (tv.type === 'float32') data = tv.data as Float32Array;
      else data = Float32Array.from(tv.data as ArrayLike<number>);
      out[k] = { data, dims: [...tv.dims] };
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
    await this.onDispose?.();
  }
}

function createBackend(
  path: string,
  bytes: Uint8Array | undefined,
  options: ort.InferenceSession.SessionOptions,
  rt: RuntimeSettings,
): Promise<SessionBackend> {
  return rt.worker ? WorkerBackend.create(path, bytes, options, rt.signal) : InProcessBackend.create(bytes ?? path, options);
}

/** A provider that is installed but cannot start (driver or library mismatch) gives way to the CPU, with a warning. */
async function openBackend(
  path: string,
  bytes: Uint8Array | undefined,
  options: ort.InferenceSession.SessionOptions,
  rt: RuntimeSettings,
): Promise<SessionBackend> {
  const providers = (options.executionProviders ?? ['cpu']) as string[];
  try {
    return await createBackend(path, bytes, options, rt);
  } catch (e) {
    if (providers.length <= 1 || !/provider|EP|cuda|tensorrt/i.test(String(e))) throw e;
    const message = `${path}: execution providers [${providers.join(', ')}] failed to start (${String((e as Error).message ?? e).split('\n')[0]}); falling back to cpu`;
    if (rt.onWarning) rt.onWarning(message);
    else process.emitWarning(message);
    return createBackend(path, bytes, { ...options, executionProviders: ['cpu'] }, rt);
  }
}
