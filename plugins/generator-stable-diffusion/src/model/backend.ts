/**
 * Where a component's onnxruntime session lives. onnxruntime-node's `session.run` blocks the
 * calling thread for the whole evaluation (measured: a 0.66 s UNet call let a 5 ms interval
 * fire 0 times), so an SD 1.5 step (tens of seconds on a small CPU) would freeze progress
 * output and Ctrl-C handling. The worker backend runs the session in a worker thread; the
 * main thread only posts feeds and awaits the result, so its event loop stays free, and an
 * abort terminates the worker at once instead of waiting for the step to finish.
 *
 * The worker is plain JavaScript given as source (no separate bundle entry, runs the same from
 * src in tests and from dist), requiring onnxruntime-node by its resolved absolute path.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EngineError, InterruptedError, ModelFileError } from '@netsynth/core';
import * as ort from 'onnxruntime-node';

/** A tensor as plain data (what crosses the worker boundary). */
export interface PlainTensor {
  type: string;
  data: Float32Array | BigInt64Array | Int32Array | Uint16Array;
  dims: number[];
}

export interface ValueMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

export interface SessionBackend {
  readonly inputMetadata: readonly ValueMeta[];
  readonly outputMetadata: readonly ValueMeta[];
  run(feeds: Record<string, PlainTensor>, outputNames?: string[]): Promise<Record<string, PlainTensor>>;
  release(): Promise<void>;
}

function metaOf(m: readonly ort.InferenceSession.ValueMetadata[]): ValueMeta[] {
  return m.map((v) => (v.isTensor ? { name: v.name, isTensor: true, type: v.type, shape: [...v.shape] } : { name: v.name, isTensor: false }));
}

/** The session on the calling thread. */
export class InProcessBackend implements SessionBackend {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputMetadata: ValueMeta[],
    readonly outputMetadata: ValueMeta[],
  ) {}
  static async create(source: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<InProcessBackend> {
    const s = typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
    return new InProcessBackend(s, metaOf(s.inputMetadata), metaOf(s.outputMetadata));
  }
  async run(feeds: Record<string, PlainTensor>, outputNames?: string[]): Promise<Record<string, PlainTensor>> {
    const t: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) t[k] = new ort.Tensor(f.type as 'float32', f.data as Float32Array, f.dims);
    const r = outputNames ? await this.session.run(t, outputNames) : await this.session.run(t);
    const out: Record<string, PlainTensor> = {};
    for (const [k, v] of Object.entries(r)) {
      const tv = v as ort.Tensor;
      out[k] = { type: tv.type, data: tv.data as PlainTensor['data'], dims: [...tv.dims] };
    }
    return out;
  }
  async release(): Promise<void> {
    await this.session.release();
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
const meta = (m) => m.map((v) => (v.isTensor ? { name: v.name, isTensor: true, type: v.type, shape: [...v.shape] } : { name: v.name, isTensor: false }));
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'load') {
      session = m.bytes ? await ort.InferenceSession.create(m.bytes, m.options) : await ort.InferenceSession.create(m.path, m.options);
      parentPort.postMessage({ id: m.id, ok: true, inputMetadata: meta(session.inputMetadata), outputMetadata: meta(session.outputMetadata) });
    } else if (m.type === 'run') {
      const feeds = {};
      for (const [k, f] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(f.type, f.data, f.dims);
      const r = m.outputNames ? await session.run(feeds, m.outputNames) : await session.run(feeds);
      const out = {};
      const transfer = [];
      for (const [k, t] of Object.entries(r)) {
        const data = t.data.slice();
        out[k] = { type: t.type, data, dims: [...t.dims] };
        transfer.push(data.buffer);
      }
      parentPort.postMessage({ id: m.id, ok: true, out }, transfer);
    } else if (m.type === 'release') {
      if (session) await session.release();
      session = undefined;
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.message) || e) });
  }
});
`;

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  inputMetadata?: ValueMeta[];
  outputMetadata?: ValueMeta[];
  out?: Record<string, PlainTensor>;
}

/** The session in its own worker thread. */
export class WorkerBackend implements SessionBackend {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  inputMetadata: ValueMeta[] = [];
  outputMetadata: ValueMeta[] = [];
  private dead: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly signal?: AbortSignal,
  ) {
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r);
      else p.reject(new EngineError(r.error ?? 'onnxruntime worker failed'));
    });
    const fail = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new EngineError(`onnxruntime worker crashed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) =>
      fail(this.signal?.aborted ? new InterruptedError('stopped during a model evaluation') : new EngineError(`onnxruntime worker exited (code ${code})`)),
    );
    // Abort: stop the evaluation now rather than after the step.
    signal?.addEventListener('abort', () => void worker.terminate(), { once: true });
  }

  static async create(path: string, bytes: Uint8Array | undefined, options: ort.InferenceSession.SessionOptions, signal?: AbortSignal): Promise<WorkerBackend> {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    const b = new WorkerBackend(w, signal);
    try {
      const r = await b.call({ type: 'load', path, bytes, options });
      b.inputMetadata = r.inputMetadata ?? [];
      b.outputMetadata = r.outputMetadata ?? [];
    } catch (e) {
      await w.terminate();
      throw new ModelFileError(`onnxruntime cannot load the model: ${(e as Error).message}`, path, undefined, e);
    }
    // A worker waiting for messages must not keep the process alive on its own.
    w.unref();
    return b;
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...msg, id }, transfer);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    }) as Promise<Reply>;
  }

  async run(feeds: Record<string, PlainTensor>, outputNames?: string[]): Promise<Record<string, PlainTensor>> {
    const r = await this.call({ type: 'run', feeds, outputNames });
    return r.out ?? {};
  }

  async release(): Promise<void> {
    if (!this.dead) await this.call({ type: 'release' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
