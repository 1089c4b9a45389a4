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
 * The worker is source text started with `eval` (REPLICA_WORKER_SOURCE), so it runs the
 * same from the TypeScript sources (tests) and from the bundle; it loads onnxruntime-node by
 * the file URL the main thread resolved.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
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
  /**
   * DP-SGD: the gradient graph takes ONE example (inputs' shapes are per example), each
   * replica holds up to `capacity` examples per run, runs them one at a time, clips each
   * example's gradient to L2 norm `maxNorm` and returns the sum of the clipped gradients.
   */
  perExample?: { maxNorm: number; capacity: number };
}

/** What a per-example run returns besides the summed clipped gradients in `grads`. */
export interface PerExampleRun {
  /** Sum of the examples' losses. */
  lossSum: number;
  /** Examples whose gradient norm exceeded the bound (and were scaled down). */
  clipped: number;
}

type Feed = Float32Array | BigInt64Array;

interface Shared {
  inputs: Record<string, Feed>;
  grad: Float32Array;
  /** [loss (sum of losses per example with perExample), examples clipped]. */
  loss: Float32Array;
}

function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

function sharedOf(dtype: 'float32' | 'int64', n: number): Feed {
  return dtype === 'int64' ? new BigInt64Array(new SharedArrayBuffer(n * 8)) : sharedFloat32(n);
}

type Reply = { ok: true } | { ok: false; message: string };

export class ReplicaPool {
  private readonly workers: Worker[] = [];
  private readonly shared: Shared[] = [];
  /** Each replica's gradient of the last run, in ordinary memory (tensors can wrap it). */
  readonly grads: Float32Array[] = [];
  private readonly params: Float32Array;
  private pending: ((r: Reply) => void)[] = [];
  /** Why a replica is gone (crashed or exited), so later steps fail instead of waiting forever. */
  private dead: string | undefined;
  private readonly perExample: ReplicaPoolOptions['perExample'];
  /** Values per example of each input (perExample only). */
  private readonly exampleSizes = new Map<string, number>();

  private constructor(o: ReplicaPoolOptions) {
    this.params = sharedFloat32(o.size);
    this.perExample = o.perExample;
    for (const i of o.inputs)
      this.exampleSizes.set(
        i.name,
        i.shape.reduce((a, b) => a * b, 1),
      );
  }

  static async create(o: ReplicaPoolOptions): Promise<ReplicaPool> {
    const pool = new ReplicaPool(o);
    const ortUrl = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
    const started: Promise<Reply>[] = [];
    for (let r = 0; r < o.replicas; r++) {
      const inputs: Shared['inputs'] = {};
      const slots = o.perExample?.capacity ?? 1;
      for (const i of o.inputs) inputs[i.name] = sharedOf(i.dtype, slots * i.shape.reduce((a, b) => a * b, 1));
      const shared: Shared = { inputs, grad: sharedFloat32(o.size), loss: sharedFloat32(2) };
      pool.shared.push(shared);
      pool.grads.push(new Float32Array(o.size));
      const w = new Worker(REPLICA_WORKER_SOURCE, {
        eval: true,
        workerData: {
          ortUrl,
          model: o.model,
          sessionOptions: o.sessionOptions,
          inputs: o.inputs.map((i) => ({ ...i, data: inputs[i.name] })),
          params: pool.params,
          grad: shared.grad,
          loss: shared.loss,
          maxNorm: o.perExample?.maxNorm,
        },
      });
      // A crashed worker must not leave the trainer waiting forever.
      w.on('error', (e) => pool.fail(r, `replica ${r} crashed: ${e.message}`));
      w.on('exit', (code) => pool.fail(r, `replica ${r} exited with code ${code}`));
      pool.workers.push(w);
      started.push(pool.next(r));
    }
    const replies = await Promise.all(started);
    const bad = replies.find((x) => !x.ok);
    if (bad && !bad.ok) {
      await pool.dispose();
      throw new EngineError(`onnxruntime could not load the gradient graph in a replica: ${bad.message}`);
    }
    // Idle replicas must not keep the process alive (a trainer that is never disposed);
    // `run` holds them while a step is in flight.
    for (const w of pool.workers) w.unref();
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
    this.dead ??= message;
    const p = this.pending[r];
    delete this.pending[r];
    p?.({ ok: false, message });
  }

  /**
   * Runs every replica with these parameters on its share of `whole` (each input's values for
   * the whole batch: replica r gets the r-th of equal contiguous parts, i.e. a split along the
   * first axis). Returns the mean of the replicas' losses; the gradients are in `grads`.
   */
  async run(params: Float32Array, whole: Readonly<Record<string, Feed>>): Promise<number> {
    if (this.dead !== undefined) throw new EngineError(`gradient replica failed: ${this.dead}`);
    this.params.set(params);
    const count = this.shared.length;
    this.shared.forEach((sh, r) => {
      for (const [name, dst] of Object.entries(sh.inputs)) {
        const src = whole[name] as Feed;
        (dst as Float32Array).set((src as Float32Array).subarray(r * dst.length, (r + 1) * dst.length));
      }
    });
    await this.dispatch(this.shared.map(() => 0));
    let loss = 0;
    this.shared.forEach((sh, r) => {
      (this.grads[r] as Float32Array).set(sh.grad);
      loss += sh.loss[0] as number;
    });
    return loss / count;
  }

  /** Posts one step to every replica (with its example count) and waits for all of them. */
  private async dispatch(counts: readonly number[]): Promise<void> {
    for (const w of this.workers) w.ref();
    const replies = await Promise.all(
      this.workers.map((w, r) => {
        const reply = this.next(r);
        w.postMessage({ count: counts[r] });
        return reply;
      }),
    ).finally(() => {
      for (const w of this.workers) w.unref();
    });
    const bad = replies.find((x) => !x.ok);
    if (bad && !bad.ok) throw new EngineError(`gradient replica failed: ${bad.message}`);
  }

  /** Most examples one `runPerExample` call takes (replicas × capacity). */
  get exampleCapacity(): number {
    return (this.perExample?.capacity ?? 0) * this.shared.length;
  }

  /**
   * DP-SGD: `count` examples (each input's values, example after example) shared out in
   * contiguous runs of near-equal length; each replica clips every example's gradient and
   * sums them into `grads[r]`. At most `exampleCapacity` examples per call.
   */
  async runPerExample(params: Float32Array, whole: Readonly<Record<string, Feed>>, count: number): Promise<PerExampleRun> {
    if (!this.perExample) throw new EngineError('runPerExample needs a pool created with perExample');
    if (this.dead !== undefined) throw new EngineError(`gradient replica failed: ${this.dead}`);
    if (count > this.exampleCapacity) throw new EngineError(`${count} examples exceed the pool's ${this.exampleCapacity} per run`);
    this.params.set(params);
    const R = this.shared.length;
    const counts = this.shared.map((_, r) => Math.floor((count * (r + 1)) / R) - Math.floor((count * r) / R));
    this.shared.forEach((sh, r) => {
      const first = Math.floor((count * r) / R);
      for (const [name, dst] of Object.entries(sh.inputs)) {
        const per = this.exampleSizes.get(name) as number;
        const src = whole[name] as Feed;
        (dst as Float32Array).set((src as Float32Array).subarray(first * per, (first + (counts[r] as number)) * per));
      }
    });
    await this.dispatch(counts);
    const out: PerExampleRun = { lossSum: 0, clipped: 0 };
    this.shared.forEach((sh, r) => {
      (this.grads[r] as Float32Array).set(sh.grad);
      out.lossSum += sh.loss[0] as number;
      out.clipped += sh.loss[1] as number;
    });
    return out;
  }

  async dispose(): Promise<void> {
    this.dead ??= 'the trainer was disposed';
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/**
 * The worker's body, as source text: a function's `toString()` would carry whatever a
 * bundler or test transform made of it (vitest rewrites `import()`), so the text is kept
 * literal. Modules come from dynamic `import()`, which works whether the eval worker runs as
 * CommonJS or as ESM (`node --input-type=module` makes it ESM; tested).
 */
const REPLICA_WORKER_SOURCE = `
(async () => {
  const { parentPort: port, workerData: wd } = await import('node:worker_threads');
  const loaded = await import(wd.ortUrl);
  // onnxruntime-node is CommonJS: its exports are the namespace's default.
  const ort = loaded.default ?? loaded;
  // Private (non-shared) copies that the tensors wrap; see the module comment.
  // Sized by the shape: with perExample the shared buffer holds several examples.
  const local = wd.inputs.map((i) => {
    const n = i.shape.reduce((a, b) => a * b, 1);
    return i.dtype === 'int64' ? new BigInt64Array(n) : new Float32Array(n);
  });
  const params = new Float32Array(wd.params.length);
  const grad = new Float32Array(wd.grad.length);
  const loss = new Float32Array(1);
  const feeds = { params: new ort.Tensor('float32', params, [params.length]) };
  wd.inputs.forEach((i, k) => (feeds[i.name] = new ort.Tensor(i.dtype, local[k], i.shape)));
  const fetches = { grad: new ort.Tensor('float32', grad, [grad.length]), loss: new ort.Tensor('float32', loss, []) };
  const fail = (e) => port.postMessage({ ok: false, message: String((e && e.message) || e) });
  let session;
  try {
    session = await ort.InferenceSession.create(wd.model, wd.sessionOptions);
  } catch (e) {
    fail(e);
    return;
  }
  // DP-SGD: one example per run; each gradient is scaled to L2 norm at most maxNorm (as
  // Opacus: factor min(1, C / (norm + 1e-6))) and summed in float64.
  const acc = wd.maxNorm === undefined ? undefined : new Float64Array(grad.length);
  const perExample = async (count) => {
    acc.fill(0);
    let lossSum = 0;
    let clipped = 0;
    for (let e = 0; e < count; e++) {
      wd.inputs.forEach((i, k) => local[k].set(i.data.subarray(e * local[k].length, (e + 1) * local[k].length)));
      await session.run(feeds, fetches);
      let sq = 0;
      for (let j = 0; j < grad.length; j++) sq += grad[j] * grad[j];
      const f = Math.min(1, wd.maxNorm / (Math.sqrt(sq) + 1e-6));
      if (f < 1) clipped++;
      for (let j = 0; j < grad.length; j++) acc[j] += f * grad[j];
      lossSum += loss[0];
    }
    wd.grad.set(acc);
    wd.loss[0] = lossSum;
    wd.loss[1] = clipped;
  };
  port.on('message', (m) => {
    params.set(wd.params);
    if (acc) {
      perExample(m.count).then(() => port.postMessage({ ok: true }), fail);
      return;
    }
    wd.inputs.forEach((i, k) => local[k].set(i.data));
    session.run(feeds, fetches).then(() => {
      wd.grad.set(grad);
      wd.loss[0] = loss[0];
      port.postMessage({ ok: true });
    }, fail);
  });
  port.postMessage({ ok: true });
})();
`;
