/**
 * A training session: forward, loss, backward, clipping, optimizer and EMA update compiled
 * into ONE onnxruntime graph, so a step is one `session.run`. Parameters and optimizer
 * state live in flat Float32Arrays that are fed as inputs; the updated vectors are written
 * by onnxruntime straight into a second set of pre-allocated buffers and the two sets are
 * swapped after each step (ping-pong: inputs and outputs must not alias).
 */
import { EngineError, InvalidArgumentError, ModelFileError, createRng, deriveSeed, type WriteOptions } from '@netsynth/core';
import { gaussianNoise } from './dp-noise.js';
import { gradients } from '../autodiff/gradients.js';
import { Graph, type Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { serializeGraph } from '../graph/serialize.js';
import { readSafetensors, tensorToFloat32, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { Module, Parameter, TraceContext } from '../layers/module.js';
import { buildUpdate, stateNames, stepScalars, type OptimizerConfig, type ScheduleConfig } from '../optim/optimizers.js';
import { nchwcBlockSize } from '../runtime/nchwc.js';
import { availableParallelism } from 'node:os';
import { createOrtSession, ort, ortSessionOptions, resolveExecutionProviders, type RuntimeOptions } from '../runtime/ort.js';
import { ReplicaPool } from './replicas.js';
import { traceModel, type DropoutSlot } from './trace.js';
import type { ExternalDataOptions } from '../graph/external-data.js';
import { modelSource, type ModelSource } from './model-source.js';

export interface InputSpec {
  shape: readonly number[];
  dtype?: 'float32' | 'int64';
}

export type FeedValue = Float32Array | BigInt64Array;

export interface TrainingOptions {
  /** Batch inputs of the loss function and their (fixed) shapes. */
  inputs: Readonly<Record<string, InputSpec>>;
  /** Builds the scalar loss from the model and the inputs (traced once). */
  loss: (ctx: TraceContext, inputs: Readonly<Record<string, Value>>) => Value;
  optimizer: OptimizerConfig;
  schedule?: ScheduleConfig;
  /** Clip the global gradient norm to this value. */
  clipGradNorm?: number;
  /** Keep an exponential moving average of the trainable weights. */
  ema?: { decay: number };
  /** Parameters to keep fixed: dotted names or prefixes (`encoder` freezes `encoder.*`), or a predicate. */
  frozen?: readonly string[] | ((name: string) => boolean);
  /** Seed of the dropout masks (per step, so a resumed run draws the same masks). */
  seed?: number;
  runtime?: RuntimeOptions;
  /** The model's forward pass, for `predict` (validation on the live weights, dropout off). */
  forward?: (ctx: TraceContext, inputs: Readonly<Record<string, Value>>) => Value;
  /** Write the updated vectors into pre-allocated buffers (default true; see README for the measurement). */
  preallocateOutputs?: boolean;
  /**
   * Store the graph's constants (frozen weights) of at least `threshold` bytes as ONNX
   * external data in a temporary folder under `dir` (default the OS temp dir), removed by
   * `dispose()`. Needed when they exceed protobuf's 2 GB; results are bit-identical.
   */
  externalData?: ExternalDataOptions & { dir?: string };
  /**
   * Data-parallel gradient replicas (default 1). With R > 1 each replica runs the gradient
   * graph on 1/R of the batch in its own worker thread with one intra-op thread, and the
   * main thread averages the R gradients and applies clipping, the optimizer and EMA once.
   * `'auto'` takes one replica per intra-op thread (default: per core), fewer when the batch
   * does not divide evenly. Contract: every input's first axis is the batch, and the loss is
   * a mean over the batch, so the average of the shares' gradients is the batch gradient
   * (equal up to float rounding; the same replica count always gives the same bytes).
   * Each replica holds its own copy of the graph's constants (frozen weights), so leave it
   * at 1 for big frozen models (LoRA); CPU only: ignored when a GPU provider is in use.
   */
  replicas?: number | 'auto';
  /**
   * DP-SGD (Abadi et al. 2016): every example's gradient is clipped to L2 norm
   * `maxGradNorm`, the clipped gradients are summed, Gaussian noise of standard deviation
   * `noiseMultiplier · maxGradNorm` is added to each coordinate and the sum is divided by
   * `expectedBatchSize`. The batch a step gets may hold any number of examples (Poisson
   * sampling makes it vary; the caller samples, see README); the inputs' first axis is then
   * how many examples one pass of the replicas takes, not a fixed batch size. The loss must
   * be a mean over the batch (at batch 1 it is the example's loss). Per-example gradients
   * come from the gradient replicas running a batch-1 graph, so this runs on the CPU.
   * `clipGradNorm` still applies, to the noisy mean (post-processing: no privacy cost).
   */
  privacy?: DpSgdOptions;
}

export interface DpSgdOptions {
  maxGradNorm: number;
  noiseMultiplier: number;
  expectedBatchSize: number;
  /**
   * Seed of the noise. Without it the noise comes from the OS's cryptographic randomness
   * (the guarantee needs noise nobody can regenerate); with it a run is reproducible, and
   * private only as long as the seed stays secret.
   */
  noiseSeed?: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  lr: number;
  step: number;
  /** DP-SGD: examples in the step's batch, and how many of their gradients were clipped. */
  examples?: number;
  clipped?: number;
}

const CHECKPOINT_FORMAT = 'netsynth-nn-checkpoint-1';

function isFrozen(spec: TrainingOptions['frozen'], name: string): boolean {
  if (!spec) return false;
  if (typeof spec === 'function') return spec(name);
  return spec.some((f) => name === f || name.startsWith(`${f}.`));
}

interface Buffers {
  params: Float32Array;
  state: Map<string, Float32Array>;
  ema?: Float32Array;
}

/** What a step's gradient pass gives the update: the session to run, and what the pass measured. */
interface StepGradients {
  session: ort.InferenceSession;
  /** The loss, when the gradient pass computed it (replicas) rather than the session. */
  loss?: number;
  /** DP-SGD: examples in the batch and how many of their gradients were clipped. */
  dp?: { examples: number; clipped: number };
}

/** One step's batch, placed where its engine needs it. */
interface LoadedBatch {
  /** Feeds of the update session that come from the batch (inputs, dropout masks). */
  feeds: Record<string, ort.Tensor>;
  /** Runs the gradient part of the step, adding its gradients to `feeds`. */
  gradients(params: Float32Array, feeds: Record<string, ort.Tensor>): Promise<StepGradients>;
}

/**
 * How steps run: one fused session (forward, backward and update in one graph), gradient
 * replicas plus a separate update graph, or DP-SGD's per-example replicas plus the update.
 */
interface Engine {
  /** Validates the batch of step `stepNo` and places it (throws InvalidArgumentError). */
  load(batch: Readonly<Record<string, FeedValue>>, stepNo: number): LoadedBatch;
  release(): Promise<void>;
}

export class Trainer {
  private engine!: Engine;
  private front: Buffers;
  private back: Buffers;
  private stepsDone = 0;
  private readonly named: [string, Parameter][];
  private readonly offsets = new Map<string, number>();
  private frozenSnapshot = new Map<string, Float32Array>();

  private constructor(
    readonly model: Module,
    private readonly opts: TrainingOptions,
    readonly trainable: readonly [string, Parameter][],
    readonly frozen: readonly [string, Parameter][],
    private readonly dropouts: readonly DropoutSlot[],
    private readonly scalarNames: readonly string[],
    private readonly stateKeys: readonly string[],
    private modelBytes: Uint8Array,
    private modelFiles: ModelSource,
    /** Data-parallel replicas in use (1: one fused session). */
    readonly replicas: number,
  ) {
    this.named = model.namedParameters();
    let off = 0;
    for (const [name, p] of trainable) {
      this.offsets.set(name, off);
      off += p.size;
    }
    const fresh = (): Buffers => ({
      params: new Float32Array(off),
      state: new Map(stateKeys.map((k) => [k, new Float32Array(off)])),
      ...(opts.ema && { ema: new Float32Array(off) }),
    });
    this.front = fresh();
    this.back = fresh();
    for (const [name, p] of trainable) this.front.params.set(p.data, this.offsets.get(name));
    this.front.ema?.set(this.front.params);
    for (const [name, p] of frozen) this.frozenSnapshot.set(name, p.data.slice());
  }

  static async create(model: Module, opts: TrainingOptions): Promise<Trainer> {
    const named = model.namedParameters();
    const trainable = named.filter(([n]) => !isFrozen(opts.frozen, n));
    const frozen = named.filter(([n]) => isFrozen(opts.frozen, n));
    if (trainable.length === 0) throw new InvalidArgumentError('every parameter is frozen: nothing to train');
    const dp = opts.privacy;
    if (dp && !(dp.maxGradNorm > 0 && dp.noiseMultiplier >= 0 && dp.expectedBatchSize > 0)) {
      throw new InvalidArgumentError(
        `privacy: maxGradNorm and expectedBatchSize must be > 0 and noiseMultiplier ≥ 0 (got ${dp.maxGradNorm}, ${dp.expectedBatchSize}, ${dp.noiseMultiplier})`,
      );
    }
    const replicas = replicaCount(opts);
    const built = await buildGraphs(
      model,
      opts,
      trainable.map(([, p]) => p),
      replicas,
    );
    const t = new Trainer(model, opts, trainable, frozen, built.dropouts, built.scalarNames, built.stateKeys, built.model.bytes, built.model, replicas);
    try {
      t.engine = await t.startEngine(built);
    } catch (e) {
      await built.model.remove();
      throw e;
    }
    return t;
  }

  private async startEngine(built: BuiltGraphs): Promise<Engine> {
    if (!built.update) return this.fusedEngine(await createOrtSession(built.model.source, this.opts.runtime));
    const update = await createOrtSession(built.update, this.opts.runtime);
    try {
      const inputs = Object.entries(this.opts.inputs).map(([name, spec]) => ({
        name,
        shape: traceShape(spec.shape, this.replicas, this.opts),
        dtype: spec.dtype ?? 'float32',
      }));
      const dp = this.opts.privacy;
      const pass = Object.values(this.opts.inputs)[0]?.shape[0] ?? 1;
      this.dropouts.forEach((d, i) => inputs.push({ name: `dropout_mask_${i}`, shape: [...d.input.shape], dtype: 'float32' }));
      const pool = await ReplicaPool.create({
        replicas: this.replicas,
        model: built.model.source,
        // Memory pattern off unless asked for: the same speed, 680–695 instead of 1047–1057 MB
        // peak for the benchmark U-Net with 2 replicas (README).
        sessionOptions: ortSessionOptions({
          memoryPattern: false,
          ...this.opts.runtime,
          executionProviders: ['cpu'],
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
          executionMode: 'sequential',
        }),
        inputs,
        size: this.front.params.length,
        ...(dp && { perExample: { maxNorm: dp.maxGradNorm, capacity: Math.ceil(pass / this.replicas) } }),
      });
      return this.opts.privacy ? this.privateEngine(pool, update) : this.replicatedEngine(pool, update);
    } catch (e) {
      await update.release();
      throw e;
    }
  }

  private fusedEngine(session: ort.InferenceSession): Engine {
    return {
      load: (batch, stepNo) => {
        const feeds: Record<string, ort.Tensor> = {};
        for (const { name, data, dtype, shape } of this.checkedInputs(batch)) feeds[name] = new ort.Tensor(dtype, data, [...shape]);
        this.dropoutMasks(stepNo).forEach((mask, i) => {
          feeds[`dropout_mask_${i}`] = new ort.Tensor('float32', mask, [...(this.dropouts[i] as DropoutSlot).input.shape]);
        });
        return { feeds, gradients: () => Promise.resolve({ session }) };
      },
      release: () => session.release(),
    };
  }

  /** The batch and masks go to the pool whole (it splits them by replica); the update graph gets only the parameters, state and gradients. */
  private replicatedEngine(pool: ReplicaPool, update: ort.InferenceSession): Engine {
    return {
      load: (batch, stepNo) => {
        const whole: Record<string, FeedValue> = {};
        for (const { name, data } of this.checkedInputs(batch)) whole[name] = data;
        this.dropoutMasks(stepNo).forEach((mask, i) => (whole[`dropout_mask_${i}`] = mask));
        return {
          feeds: {},
          gradients: async (params, feeds) => {
            const loss = await pool.run(params, whole);
            pool.grads.forEach((g, r) => (feeds[`grad_${r}`] = new ort.Tensor('float32', g, [params.length])));
            return { session: update, loss };
          },
        };
      },
      release: () => this.releaseReplicas(pool, update),
    };
  }

  /** DP-SGD: the batch is checked and split per example by privateGradient, which also draws the masks. */
  private privateEngine(pool: ReplicaPool, update: ort.InferenceSession): Engine {
    return {
      load: (batch, stepNo) => ({
        feeds: {},
        gradients: async (params, feeds) => {
          const g = await this.privateGradient(pool, batch, stepNo);
          feeds['grad_0'] = new ort.Tensor('float32', g.grad, [params.length]);
          return { session: update, loss: g.loss, dp: { examples: g.examples, clipped: g.clipped } };
        },
      }),
      release: () => this.releaseReplicas(pool, update),
    };
  }

  private async releaseReplicas(pool: ReplicaPool, update: ort.InferenceSession): Promise<void> {
    await pool.dispose();
    await update.release();
  }

  private async stopEngine(): Promise<void> {
    await this.engine.release();
  }

  /** The batch's inputs, each checked against its spec (presence, length, dtype). */
  private checkedInputs(batch: Readonly<Record<string, FeedValue>>): { name: string; data: FeedValue; dtype: 'float32' | 'int64'; shape: readonly number[] }[] {
    return Object.entries(this.opts.inputs).map(([name, spec]) => {
      const data = batch[name];
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (!data) throw new InvalidArgumentError(`batch is missing input "${name}"`);
      if (data.length !== size) throw new InvalidArgumentError(`input "${name}" has ${data.length} values, shape [${spec.shape.join(',')}] needs ${size}`);
      const dtype = spec.dtype ?? 'float32';
      if ((dtype === 'int64') !== data instanceof BigInt64Array)
        throw new InvalidArgumentError(`input "${name}" must be a ${dtype === 'int64' ? 'BigInt64Array' : 'Float32Array'}`);
      return { name, data, dtype, shape: spec.shape };
    });
  }

  /** The step's dropout masks, drawn for the whole batch in one order, so replicas see the masks one session would. */
  private dropoutMasks(stepNo: number): Float32Array[] {
    if (this.dropouts.length === 0) return [];
    const rng = createRng(deriveSeed(this.opts.seed ?? 0, `dropout:${stepNo}`));
    return this.dropouts.map((d) => {
      const mask = new Float32Array(d.input.size * this.replicas);
      const keep = 1 / (1 - d.p);
      for (let j = 0; j < mask.length; j++) mask[j] = rng.next() < d.p ? 0 : keep;
      return mask;
    });
  }

  /** Number of optimizer updates applied so far. */
  get step(): number {
    return this.stepsDone;
  }

  /** The serialised training graph (for inspection / profiling). */
  get trainingModel(): Uint8Array {
    return this.modelBytes;
  }

  async trainStep(batch: Readonly<Record<string, FeedValue>>): Promise<StepResult> {
    const stepNo = this.stepsDone + 1;
    const loaded = this.engine.load(batch, stepNo);
    const feeds = loaded.feeds;
    const scalars = stepScalars(this.opts.optimizer, stepNo, this.opts.schedule);
    for (const name of this.scalarNames) feeds[name] = new ort.Tensor('float32', Float32Array.of(scalars[name] as number), []);
    if (this.opts.ema) feeds['ema_decay'] = new ort.Tensor('float32', Float32Array.of(this.opts.ema.decay), []);
    const f = this.front;
    const n = f.params.length;
    feeds['params'] = new ort.Tensor('float32', f.params, [n]);
    for (const k of this.stateKeys) feeds[`state_${k}`] = new ort.Tensor('float32', f.state.get(k) as Float32Array, [n]);
    if (f.ema) feeds['ema'] = new ort.Tensor('float32', f.ema, [n]);
    let result: ort.InferenceSession.ReturnType;
    let grads: StepGradients;
    try {
      grads = await loaded.gradients(f.params, feeds);
      result = await this.runUpdate(grads.session, feeds, grads.loss === undefined);
    } catch (e) {
      throw new EngineError(`training step ${stepNo} failed: ${(e as Error).message}`, { cause: e });
    }
    this.front = this.back;
    this.back = f;
    this.stepsDone = stepNo;
    const loss = grads.loss ?? (((result['loss'] as ort.Tensor).data as Float32Array)[0] as number);
    const gradNorm = ((result['grad_norm'] as ort.Tensor).data as Float32Array)[0] as number;
    const lr =
      this.opts.optimizer.kind === 'sgd'
        ? (scalars.lr as number)
        : (scalars.adam_step_size as number) * (1 - (this.opts.optimizer.betas?.[0] ?? 0.9) ** stepNo);
    return { loss, gradNorm, lr, step: stepNo, ...grads.dp };
  }

  /** Runs the update session, writing the new parameters, state and EMA into the back buffers. */
  private async runUpdate(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, wantLoss: boolean): Promise<ort.InferenceSession.ReturnType> {
    const b = this.back;
    const n = b.params.length;
    if (this.opts.preallocateOutputs === false) {
      const result = await session.run(feeds);
      b.params.set((result['params_out'] as ort.Tensor).data as Float32Array);
      for (const k of this.stateKeys) (b.state.get(k) as Float32Array).set((result[`state_${k}_out`] as ort.Tensor).data as Float32Array);
      if (b.ema) b.ema.set((result['ema_out'] as ort.Tensor).data as Float32Array);
      return result;
    }
    const fetches: Record<string, ort.Tensor | null> = { grad_norm: null, params_out: new ort.Tensor('float32', b.params, [n]) };
    if (wantLoss) fetches['loss'] = null;
    for (const k of this.stateKeys) fetches[`state_${k}_out`] = new ort.Tensor('float32', b.state.get(k) as Float32Array, [n]);
    if (b.ema) fetches['ema_out'] = new ort.Tensor('float32', b.ema, [n]);
    return session.run(feeds, fetches);
  }

  /** Examples in a DP-SGD batch: each input holds a whole number of examples, the same number. */
  private countExamples(batch: Readonly<Record<string, FeedValue>>): number {
    let count: number | undefined;
    for (const [name, spec] of Object.entries(this.opts.inputs)) {
      const data = batch[name];
      if (!data) throw new InvalidArgumentError(`batch is missing input "${name}"`);
      const dtype = spec.dtype ?? 'float32';
      if ((dtype === 'int64') !== data instanceof BigInt64Array)
        throw new InvalidArgumentError(`input "${name}" must be a ${dtype === 'int64' ? 'BigInt64Array' : 'Float32Array'}`);
      const per = spec.shape.slice(1).reduce((a, b) => a * b, 1);
      const n = data.length / per;
      if (!Number.isInteger(n))
        throw new InvalidArgumentError(`input "${name}" has ${data.length} values, not a whole number of examples of [${spec.shape.slice(1).join(',')}]`);
      if (count !== undefined && n !== count) throw new InvalidArgumentError(`input "${name}" holds ${n} examples, another input ${count}`);
      count = n;
    }
    return count ?? 0;
  }

  /**
   * DP-SGD's gradient: the sum of the per-example gradients, each clipped to maxGradNorm
   * (the replicas, in passes of at most their capacity), plus N(0, (σC)²) per coordinate,
   * divided by the expected batch size. The noise is drawn even for an empty batch: an
   * empty Poisson batch is a release too.
   */
  private async privateGradient(
    pool: ReplicaPool,
    batch: Readonly<Record<string, FeedValue>>,
    stepNo: number,
  ): Promise<{ grad: Float32Array; loss: number; examples: number; clipped: number }> {
    const dp = this.opts.privacy as DpSgdOptions;
    const examples = this.countExamples(batch);
    const masks = this.dropouts.map((d, i) => [`dropout_mask_${i}`, dropoutMask(d, examples, this.opts.seed ?? 0, stepNo, i)] as const);
    const size = this.front.params.length;
    const sum = new Float64Array(size);
    let lossSum = 0;
    let clipped = 0;
    const pass = pool.exampleCapacity;
    for (let first = 0; first < examples; first += pass) {
      const count = Math.min(pass, examples - first);
      const part: Record<string, FeedValue> = {};
      for (const [name, spec] of Object.entries(this.opts.inputs)) {
        const per = spec.shape.slice(1).reduce((a, b) => a * b, 1);
        part[name] = (batch[name] as Float32Array).subarray(first * per, (first + count) * per);
      }
      for (const [name, mask] of masks) {
        const per = mask.length / Math.max(1, examples);
        part[name] = mask.subarray(first * per, (first + count) * per);
      }
      const r = await pool.runPerExample(this.front.params, part, count);
      lossSum += r.lossSum;
      clipped += r.clipped;
      for (const g of pool.grads) for (let j = 0; j < size; j++) sum[j] = (sum[j] as number) + (g[j] as number);
    }
    const noise = gaussianNoise(size, dp.noiseSeed === undefined ? undefined : { seed: dp.noiseSeed, step: stepNo });
    const std = dp.noiseMultiplier * dp.maxGradNorm;
    const grad = new Float32Array(size);
    for (let j = 0; j < size; j++) grad[j] = ((sum[j] as number) + std * (noise[j] as number)) / dp.expectedBatchSize;
    return { grad, loss: examples > 0 ? lossSum / examples : 0, examples, clipped };
  }

  private predictSession: ort.InferenceSession | undefined;

  /**
   * Runs `forward` on the current weights with the same parametrisation as the training
   * graph (trainable weights sliced from the flat vector), dropout off.
   */
  async predict(batch: Readonly<Record<string, FeedValue>>): Promise<Float32Array> {
    const fwd = this.opts.forward;
    if (!fwd) throw new InvalidArgumentError('predict needs the `forward` training option');
    if (!this.predictSession) {
      const tr = traceModel(this.model, { training: false, trainable: this.trainable.map(([, p]) => p) });
      const inputs: Record<string, Value> = {};
      for (const [name, spec] of Object.entries(this.opts.inputs)) inputs[name] = tr.graph.input(name, spec.shape, spec.dtype ?? 'float32');
      this.predictSession = await createOrtSession(serializeGraph(tr.graph, { output: fwd(tr.ctx, inputs) }), this.opts.runtime);
    }
    const s = this.predictSession;
    const feeds: Record<string, ort.Tensor> = { params: new ort.Tensor('float32', this.front.params, [this.front.params.length]) };
    for (const name of s.inputNames) {
      const spec = this.opts.inputs[name];
      const data = batch[name];
      if (!spec) continue;
      if (!data) throw new InvalidArgumentError(`batch is missing input "${name}"`);
      feeds[name] = new ort.Tensor(spec.dtype ?? 'float32', data, [...spec.shape]);
    }
    for (const k of Object.keys(feeds)) if (!s.inputNames.includes(k)) delete feeds[k];
    const r = await s.run(feeds);
    return (r['output'] as ort.Tensor).data as Float32Array;
  }

  /** Current values of a trainable parameter (a view into the live buffer; copy to keep). */
  parameter(name: string): Float32Array {
    const off = this.offsets.get(name);
    const p = this.trainable.find(([n]) => n === name)?.[1];
    if (off !== undefined && p) return this.front.params.subarray(off, off + p.size);
    const fz = this.frozen.find(([n]) => n === name)?.[1];
    if (fz) return fz.data;
    throw new InvalidArgumentError(`no parameter named ${name}`);
  }

  /** The EMA weights of a trainable parameter (undefined without `ema`). */
  emaParameter(name: string): Float32Array | undefined {
    const off = this.offsets.get(name);
    const p = this.trainable.find(([n]) => n === name)?.[1];
    if (!this.front.ema || off === undefined || !p) return undefined;
    return this.front.ema.subarray(off, off + p.size);
  }

  /** Copies the trained (or EMA, with `{ ema: true }`) weights into the model's parameters. */
  syncToModel(o: { ema?: boolean } = {}): void {
    const src = o.ema ? this.front.ema : this.front.params;
    if (!src) throw new InvalidArgumentError('this trainer keeps no EMA weights');
    for (const [name, p] of this.trainable) {
      const off = this.offsets.get(name) as number;
      p.data.set(src.subarray(off, off + p.size));
    }
  }

  async saveCheckpoint(path: string, options: WriteOptions & { metadata?: Record<string, string> } = {}): Promise<void> {
    const tensors = new Map<string, TensorToWrite>();
    const slice = (buf: Float32Array, name: string, p: Parameter): TensorToWrite => {
      const off = this.offsets.get(name) as number;
      return { shape: p.shape, data: buf.subarray(off, off + p.size) };
    };
    for (const [name, p] of this.named) {
      if (this.offsets.has(name)) tensors.set(name, slice(this.front.params, name, p));
      else tensors.set(name, { shape: p.shape, data: p.data });
    }
    for (const k of this.stateKeys)
      for (const [name, p] of this.trainable) tensors.set(`optimizer.${k}.${name}`, slice(this.front.state.get(k) as Float32Array, name, p));
    if (this.front.ema) for (const [name, p] of this.trainable) tensors.set(`ema.${name}`, slice(this.front.ema, name, p));
    const metadata: Record<string, string> = {
      ...options.metadata,
      format: CHECKPOINT_FORMAT,
      step: String(this.stepsDone),
      optimizer: JSON.stringify(this.opts.optimizer),
      trainable: JSON.stringify(this.trainable.map(([n]) => n)),
    };
    await writeSafetensors(path, tensors, metadata, options);
  }

  /**
   * Restores weights, optimizer state, EMA and the step counter. Frozen weights are taken
   * from the file too when present (the session is rebuilt if they changed).
   */
  async loadCheckpoint(path: string): Promise<Record<string, string>> {
    const file = await readSafetensors(path);
    if (file.metadata.format !== CHECKPOINT_FORMAT)
      throw new ModelFileError(`not a netsynth checkpoint (format ${file.metadata.format ?? 'missing'})`, path, 8);
    const step = Number(file.metadata.step);
    if (!Number.isSafeInteger(step) || step < 0) throw new ModelFileError(`bad step "${file.metadata.step}" in metadata`, path, 8);
    const get = (name: string, p: Parameter): Float32Array => {
      const t = file.tensors.get(name);
      if (!t) throw new ModelFileError(`checkpoint has no tensor ${name}`, path);
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]))
        throw new ModelFileError(`tensor ${name} has shape [${t.shape.join(',')}], the model needs [${p.shape.join(',')}]`, path);
      return tensorToFloat32(t, path, name);
    };
    for (const [name, p] of this.trainable) {
      const off = this.offsets.get(name) as number;
      this.front.params.set(get(name, p), off);
      for (const k of this.stateKeys) (this.front.state.get(k) as Float32Array).set(get(`optimizer.${k}.${name}`, p), off);
      if (this.front.ema) this.front.ema.set(file.tensors.has(`ema.${name}`) ? get(`ema.${name}`, p) : get(name, p), off);
    }
    let frozenChanged = false;
    for (const [name, p] of this.frozen) {
      if (!file.tensors.has(name)) continue;
      const v = get(name, p);
      const old = this.frozenSnapshot.get(name) as Float32Array;
      if (!Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(old.buffer, old.byteOffset, old.byteLength))) frozenChanged = true;
      p.data.set(v);
    }
    if (frozenChanged) {
      await this.stopEngine();
      await this.predictSession?.release();
      this.predictSession = undefined;
      await this.modelFiles.remove();
      const built = await buildGraphs(
        this.model,
        this.opts,
        this.trainable.map(([, p]) => p),
        this.replicas,
      );
      this.modelBytes = built.model.bytes;
      this.modelFiles = built.model;
      this.engine = await this.startEngine(built);
      for (const [name, p] of this.frozen) this.frozenSnapshot.set(name, p.data.slice());
    }
    this.stepsDone = step;
    return file.metadata;
  }

  async dispose(): Promise<void> {
    await this.stopEngine();
    await this.predictSession?.release();
    await this.modelFiles.remove();
  }
}

/** A dropout mask for `examples` copies of the slot, drawn from (seed, step, slot). */
function dropoutMask(d: DropoutSlot, examples: number, seed: number, stepNo: number, slot: number): Float32Array {
  const rng = createRng(deriveSeed(seed, `dropout:${stepNo}:${slot}`));
  const mask = new Float32Array(d.input.size * examples);
  const keep = 1 / (1 - d.p);
  for (let j = 0; j < mask.length; j++) mask[j] = rng.next() < d.p ? 0 : keep;
  return mask;
}

/** NCHWc lowering only for CPU-only sessions: on CUDA the nchwc kernels would pull convs back to the CPU. */
async function trainingNchwcBlock(r: RuntimeOptions | undefined): Promise<number> {
  if (r?.nchwc === false) return 0;
  // After the fallback: a CUDA request on a machine without the CUDA provider runs on the CPU and gets the lowering.
  if (resolveExecutionProviders(r ?? {}).some((p) => p !== 'cpu')) return 0;
  return nchwcBlockSize();
}

interface BuiltGraphs {
  /** The fused step graph, or with replicas the gradient graph each replica runs. */
  model: ModelSource;
  /** With replicas: the update graph (average of the replicas' gradients → optimizer, EMA). */
  update?: Uint8Array;
  dropouts: DropoutSlot[];
  scalarNames: string[];
  stateKeys: string[];
}

/** Replicas to use: 1 unless asked for, on the CPU, with a batch that divides evenly. */
function replicaCount(opts: TrainingOptions): number {
  const want = opts.replicas ?? 1;
  if (opts.privacy) return dpReplicaCount(opts, want);
  if (want === 1) return 1;
  if (resolveExecutionProviders(opts.runtime ?? {}).some((p) => p !== 'cpu')) return 1;
  const batches = Object.values(opts.inputs).map((s) => s.shape[0]);
  const b = batches[0];
  if (b === undefined || batches.some((x) => x !== b)) {
    if (want === 'auto') return 1;
    throw new InvalidArgumentError(`replicas: every input's first axis must be the batch; got first axes [${batches.join(', ')}]`);
  }
  if (want === 'auto') {
    let r = Math.max(1, Math.min(opts.runtime?.intraOpNumThreads ?? availableParallelism(), b));
    while (b % r !== 0) r--;
    return r;
  }
  if (!Number.isInteger(want) || want < 1) throw new InvalidArgumentError(`replicas must be a positive integer or 'auto', got ${want}`);
  if (b % want !== 0) throw new InvalidArgumentError(`replicas: batch ${b} does not divide into ${want} equal shares`);
  return want;
}

/** DP-SGD: replicas take examples one by one, so any count up to the pass size works (CPU only). */
function dpReplicaCount(opts: TrainingOptions, want: number | 'auto'): number {
  const b = Object.values(opts.inputs)[0]?.shape[0] ?? 1;
  if (Object.values(opts.inputs).some((s) => s.shape[0] !== b)) throw new InvalidArgumentError("privacy: every input's first axis must be the batch");
  if (want === 'auto') return Math.max(1, Math.min(opts.runtime?.intraOpNumThreads ?? availableParallelism(), b));
  if (!Number.isInteger(want) || want < 1) throw new InvalidArgumentError(`replicas must be a positive integer or 'auto', got ${want}`);
  return want;
}

/** Per-example shape (DP-SGD) or one replica's share. */
function traceShape(shape: readonly number[], replicas: number, opts: TrainingOptions): number[] {
  return opts.privacy ? shape.map((d, i) => (i === 0 ? 1 : d)) : shareShape(shape, replicas);
}

function shareShape(shape: readonly number[], replicas: number): number[] {
  return shape.map((d, i) => (i === 0 ? d / replicas : d));
}

async function buildGraphs(model: Module, opts: TrainingOptions, trainable: readonly Parameter[], replicas: number): Promise<BuiltGraphs> {
  const nchwcBlock = await trainingNchwcBlock(opts.runtime);
  const tr = traceModel(model, { training: true, trainable });
  const g = tr.graph;
  const inputs: Record<string, Value> = {};
  for (const [name, spec] of Object.entries(opts.inputs)) inputs[name] = g.input(name, traceShape(spec.shape, replicas, opts), spec.dtype ?? 'float32');
  const loss = opts.loss(tr.ctx, inputs);
  if (loss.size !== 1) throw new InvalidArgumentError(`the loss must be a scalar, got shape [${loss.shape.join(',')}]`);
  const flat = tr.flat as Value;
  const pieces = trainable.map((p) => tr.trainableValues.get(p) as Value);
  const grads = gradients(g, loss, pieces);
  const flatGrad = op.concat(
    pieces.map((p) => op.reshape(grads.get(p) as Value, [p.size])),
    0,
  );
  if (replicas === 1 && !opts.privacy) {
    const outputs: Record<string, Value> = { loss: op.reshape(loss, []) };
    const up = appendUpdate(g, opts, flat, flatGrad, outputs);
    return { model: await modelSource(g, outputs, { nchwcBlock }, opts.externalData), dropouts: tr.dropouts, ...up };
  }
  const gradientModel = await modelSource(g, { loss: op.reshape(loss, []), grad: flatGrad }, { nchwcBlock }, opts.externalData);
  const ug = new Graph();
  const params = ug.input('params', [flat.size]);
  let sum = ug.input('grad_0', [flat.size]);
  // DP-SGD: the trainer feeds the noisy mean as the one gradient.
  const feeds = opts.privacy ? 1 : replicas;
  for (let r = 1; r < feeds; r++) sum = op.add(sum, ug.input(`grad_${r}`, [flat.size]));
  const outputs: Record<string, Value> = {};
  const up = appendUpdate(ug, opts, params, feeds === 1 ? sum : op.mul(sum, 1 / feeds), outputs);
  return { model: gradientModel, update: serializeGraph(ug, outputs), dropouts: tr.dropouts, ...up };
}

/** Clipping, the optimizer and EMA on the flat vectors; adds their outputs to `outputs`. */
function appendUpdate(
  g: Graph,
  opts: TrainingOptions,
  flat: Value,
  flatGrad: Value,
  outputs: Record<string, Value>,
): { scalarNames: string[]; stateKeys: string[] } {
  const stateKeys = stateNames(opts.optimizer);
  const state = new Map(stateKeys.map((k) => [k, g.input(`state_${k}`, [flat.size])]));
  const up = buildUpdate(g, opts.optimizer, flat, flatGrad, state, opts.clipGradNorm);
  outputs['grad_norm'] = up.gradNorm;
  outputs['params_out'] = up.newParams;
  for (const k of stateKeys) outputs[`state_${k}_out`] = up.newState.get(k) as Value;
  if (opts.ema) {
    const ema = g.input('ema', [flat.size]);
    const decay = g.input('ema_decay', []);
    outputs['ema_out'] = op.add(ema, op.mul(op.sub(up.newParams, ema), op.sub(1, decay)));
  }
  return { scalarNames: [...up.scalars.keys()], stateKeys };
}

/** Builds the training session: the one entry point plugins use. */
export function buildTrainingSession(model: Module, opts: TrainingOptions): Promise<Trainer> {
  return Trainer.create(model, opts);
}
