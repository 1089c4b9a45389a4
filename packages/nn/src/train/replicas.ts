/**
 * Data-parallel gradient replicas on worker threads.
 *
 * onnxruntime-node runs `session.run` synchronously on the calling thread, and many of the
 * ops a training graph is made of (Slice, Pad, Concat, Transpose, small reductions) run on
 * one thread whatever `intraOpNumThreads` says, so one session with two intra-op threads
 * keeps the second core idle for much of a step. Here each core gets its own worker thread
 * with its own one-thread session of the gradient graph, fed an equal share of the batch;
 * the main thread then sums the gradients and runs the optimizer update once (see README
 * for the measurement).
 *
 * What a step moves goes through SharedArrayBuffers: the flat parameters, each replica's
 * batch share and dropout masks, and each replica's gradient and loss. onnxruntime-node
 * cannot wrap shared memory in a tensor (N-API rejects a SharedArrayBuffer as an
 * ArrayBuffer: "Invalid argument"), so each side copies between the shared buffers and its
 * own tensors' buffers — for the 1.1 M-parameter U-Net about 1 ms of a 200 ms step. A step
 * costs one message each way per replica.
 *
 * The worker is a self-contained function started with `eval`, so it runs the same from
 * the TypeScript sources (tests) and from the bundle; it loads onnxruntime-node by the path
 * the main thread resolved.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EngineError } from '@netsynth/core';
import type { ort } from '../runtime/ort.js';

export interface ReplicaInput {
  name: string;
  /** Shape of one replica's share (batch axis already divided). */
  shape: readonly number[];
  dtype: 'float32' | 'int64';
}

export interface ReplicaPoolOptions {
  replicas: number;
  /** The gradient graph: bytes, or a model file's path (external data). */
  model: Uint8Array | string;
  sessionOptions: ort.InferenceSession.SessionOptions;
  inputs: readonly ReplicaInput[];
  /** Length of the flat parameter and gradient vectors. */
  size: number;
}

interface Shared {
  inputs: Record<string, Float32Array | BigInt64Array>;
  grad: Float32Array;
  loss: Float32Array;
}

/** Allocates a typed array over a SharedArrayBuffer. */
export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

function sharedOf(dtype: 'float32' | 'int64', n: number): Float32Array | BigInt64Array {
  return dtype === 'int64' ? new BigInt64Array(new SharedArrayBuffer(n * 8)) : sharedFloat32(n);
}

type Reply = { ok: true } | { ok: false; message: string };

export class ReplicaPool {
  private readonly workers: Worker[] = [];
  readonly shared: Shared[] = [];
  /** Each replica's gradient of the last run, in ordinary memory (tensors can wrap it). */
  readonly grads: Float32Array[] = [];
  private readonly params: Float32Array;
  private pending: ((r: Reply) => void)[] = [];

  private constructor(o: ReplicaPoolOptions) {
    this.params = sharedFloat32(o.size);
  }

  static async create(o: ReplicaPoolOptions): Promise<ReplicaPool> {
    const pool = new ReplicaPool(o);
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const started: Promise<Reply>[] = [];
    for (let r = 0; r < o.replicas; r++) {
      const inputs: Shared['inputs'] = {};
      for (const i of o.inputs) inputs[i.name] = sharedOf(i.dtype, i.shape.reduce((a, b) => a * b, 1));
      const shared: Shared = { inputs, grad: sharedFloat32(o.size), loss: sharedFloat32(1) };
      pool.shared.push(shared);
      pool.grads.push(new Float32Array(o.size));
      const w = new Worker(`(${replicaMain.toString()})()`, {
        eval: true,
        workerData: {
          ortPath,
          model: o.model,
          sessionOptions: o.sessionOptions,
          inputs: o.inputs.map((i) => ({ ...i, data: inputs[i.name] })),
          params: pool.params,
          grad: shared.grad,
          loss: shared.loss,
        },
      });
      // A crashed worker must not leave the trainer waiting forever.
      w.on('error', (e) => pool.fail(r, `replica ${r} crashed: ${e.message}`));
      w.on('exit', (code) => code !== 0 && pool.fail(r, `replica ${r} exited with code ${code}`));
      pool.workers.push(w);
      started.push(pool.next(r));
    }
    const replies = await Promise.all(started);
    const bad = replies.find((x) => !x.ok);
    if (bad && !bad.ok) {
      await pool.dispose();
      throw new EngineError(`onnxruntime could not load the gradient graph in a replica: ${bad.message}`);
    }
    return pool;
  }

  private next(r: number): Promise<Reply> {
    const w = this.workers[r] as Worker;
    return new Promise((resolve) => {
      this.pending[r] = resolve;
      w.once('message', (m: Reply) => {
        delete this.pending[r];
        resolve(m);
      });
    });
  }

  private fail(r: number, message: string): void {
    const p = this.pending[r];
    delete this.pending[r];
    p?.({ ok: false, message });
  }

  /** Runs every replica on its share (already in `shared[r].inputs`) with these parameters. */
  async run(params: Float32Array): Promise<void> {
    this.params.set(params);
    const replies = await Promise.all(
      this.workers.map((w, r) => {
        const reply = this.next(r);
        w.postMessage('step');
        return reply;
      }),
    );
    const bad = replies.find((x) => !x.ok);
    if (bad && !bad.ok) throw new EngineError(`gradient replica failed: ${bad.message}`);
    this.shared.forEach((sh, r) => (this.grads[r] as Float32Array).set(sh.grad));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/**
 * The worker's body. Self-contained: it is serialised with `toString()` and started with
 * `eval`, so it may only use what it requires itself.
 */
function replicaMain(): void {
  // `eval`: a bundler would otherwise rewrite `require` into its own shim, which does not
  // exist in the worker. An eval worker's script has the CommonJS `require` in scope.
  const req = eval('require') as NodeJS.Require;
  const { parentPort, workerData } = req('node:worker_threads') as typeof import('node:worker_threads');
  const ortm = req(workerData.ortPath) as typeof import('onnxruntime-node');
  const port = parentPort as import('node:worker_threads').MessagePort;
  const wd = workerData as {
    model: Uint8Array | string;
    sessionOptions: import('onnxruntime-node').InferenceSession.SessionOptions;
    inputs: { name: string; shape: number[]; dtype: 'float32' | 'int64'; data: Float32Array | BigInt64Array }[];
    params: Float32Array;
    grad: Float32Array;
    loss: Float32Array;
  };
  type Tensor = import('onnxruntime-node').Tensor;
  // Private (non-shared) copies that the tensors wrap; see the module comment.
  const local = wd.inputs.map((i) => (i.dtype === 'int64' ? new BigInt64Array(i.data.length) : new Float32Array(i.data.length)));
  const params = new Float32Array(wd.params.length);
  const grad = new Float32Array(wd.grad.length);
  const loss = new Float32Array(1);
  const feeds: Record<string, Tensor> = { params: new ortm.Tensor('float32', params, [params.length]) };
  wd.inputs.forEach((i, k) => (feeds[i.name] = new ortm.Tensor(i.dtype, local[k] as Float32Array, i.shape)));
  const fetches = { grad: new ortm.Tensor('float32', grad, [grad.length]), loss: new ortm.Tensor('float32', loss, []) };
  const fail = (e: unknown): void => port.postMessage({ ok: false, message: String((e as Error)?.message ?? e) });
  const load = typeof wd.model === 'string' ? ortm.InferenceSession.create(wd.model, wd.sessionOptions) : ortm.InferenceSession.create(wd.model, wd.sessionOptions);
  load.then((session) => {
    port.on('message', () => {
      params.set(wd.params);
      wd.inputs.forEach((i, k) => (local[k] as Float32Array).set(i.data as Float32Array));
      session.run(feeds, fetches).then(() => {
        wd.grad.set(grad);
        wd.loss.set(loss);
        port.postMessage({ ok: true });
      }, fail);
    });
    port.postMessage({ ok: true });
  }, fail);
}
