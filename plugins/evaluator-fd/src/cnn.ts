import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedSample, ImageTensor, ProgressReporter } from '@netsynth/core';
import { InterruptedError, InvalidArgumentError, writeFileAtomic } from '@netsynth/core';
import {
  Conv2d,
  GroupNorm,
  InferenceSession,
  type RuntimeOptions,
  Linear,
  Module,
  SiLU,
  adam,
  buildTrainingSession,
  epochOrder,
  exportInferenceModel,
  initParameters,
  ops,
} from '@netsynth/nn';
import type { TraceContext, Value } from '@netsynth/nn';
import type { FeatureExtractor } from './extractors.js';
import { areaResize } from './resize.js';

/** Options of the default feature network (defaults in options.ts). */
export interface CnnOptions {
  /**
   * Every image is area-resized to this height × width before the network; 'auto': images of
   * at most 4096 pixels as they are (GASF 16×16, a 1×105 flow record), larger ones to at most
   * 32 rows × 64 columns (nPrint 32×1088 → 32×64: packets kept, ~17 bits per column).
   */
  inputSize: [number, number] | 'auto';
  /** Channels of the two convolution stages. */
  width: number;
  /** Size of the penultimate layer: the feature vector. */
  featureSize: number;
  steps: number;
  batchSize: number;
  learningRate: number;
}

/** Bump when the network or its training changes, so cached models of the old kind are not reused. */
const CNN_VERSION = 3;
/**
 * Images per forward pass of the exported network. The export has this fixed batch (the last
 * batch is padded) rather than a symbolic one: a fixed shape works whatever the engine's
 * normalisation layers bake into the graph.
 */
const FEATURE_BATCH = 32;

/**
 * conv3×3(C→w) SiLU → conv3×3/2(w→2w) GroupNorm SiLU → conv3×3/2(2w→2w) SiLU → flatten
 * → Linear(2w·H/4·W/4→F) SiLU [features] → Linear(F→classes) [logits].
 */
class FeatureNet extends Module {
  readonly c1: Conv2d;
  readonly c2: Conv2d;
  readonly n2: GroupNorm;
  readonly c3: Conv2d;
  readonly fc: Linear;
  readonly head: Linear;
  private readonly act = new SiLU();
  constructor(channels: number, height: number, widthPx: number, width: number, featureSize: number, classes: number) {
    super();
    // Spatial size after the two stride-2 convolutions (padding 1, kernel 3).
    const down = (n: number): number => Math.floor((n - 1) / 2) + 1;
    const flat = 2 * width * down(down(height)) * down(down(widthPx));
    this.c1 = this.child('c1', new Conv2d(channels, width, 3, { padding: 1 }));
    this.c2 = this.child('c2', new Conv2d(width, 2 * width, 3, { stride: 2, padding: 1 }));
    this.n2 = this.child('n2', new GroupNorm(Math.min(4, 2 * width), 2 * width));
    this.c3 = this.child('c3', new Conv2d(2 * width, 2 * width, 3, { stride: 2, padding: 1 }));
    this.fc = this.child('fc', new Linear(flat, featureSize));
    this.head = this.child('head', new Linear(featureSize, classes));
  }
  features(ctx: TraceContext, x: Value): Value {
    let h = this.act.forward(ctx, this.c1.forward(ctx, x));
    h = this.act.forward(ctx, this.n2.forward(ctx, this.c2.forward(ctx, h)));
    h = this.act.forward(ctx, this.c3.forward(ctx, h));
    // Flattened, not globally pooled: where a pattern sits matters (an nPrint column is a header field).
    const flat = ops.reshape(h, [h.shape[0] as number, -1]);
    return this.act.forward(ctx, this.fc.forward(ctx, flat));
  }
  forward(ctx: TraceContext, x: Value): Value {
    return this.head.forward(ctx, this.features(ctx, x));
  }
}

/** What training left beside the cached model (`fd-cnn-<key>.json`). */
export interface CnnTrainingInfo {
  key: string;
  classes: string[];
  images: number;
  steps: number;
  finalLoss: number;
  /** Accuracy of the trained network on its own (real) training images. */
  trainAccuracy: number;
  /** Whether this run trained the network (false: loaded from the cache). */
  trained: boolean;
}

export interface CnnExtractor extends FeatureExtractor {
  readonly info: CnnTrainingInfo;
}

/** Cache key: the real images (labels, shapes and values, in order), the options, the seed and the network version. */
export function cnnCacheKey(images: readonly GeneratedSample[], options: CnnOptions, seed: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: CNN_VERSION, options, seed, n: images.length }));
  for (const s of images) {
    const t = s.tensor;
    h.update(`${s.label}\u0000${t.channels}x${t.height}x${t.width}\u0000`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex').slice(0, 32);
}

function batchInput(images: readonly Float32Array[], idx: readonly number[], per: number): Float32Array {
  const x = new Float32Array(idx.length * per);
  idx.forEach((j, k) => x.set(images[j] as Float32Array, k * per));
  return x;
}

/** The network's input height × width for images of `height` × `width` (see CnnOptions.inputSize). */
export function cnnInputSize(option: CnnOptions['inputSize'], height: number, width: number): [number, number] {
  if (option !== 'auto') return option;
  if (height * width <= 4096) return [height, width];
  return [Math.min(height, 32), Math.min(width, 64)];
}

async function session(
  bytes: Uint8Array,
  channels: number,
  [h, w]: [number, number],
  o: CnnOptions,
  info: CnnTrainingInfo,
  runtime: RuntimeOptions,
): Promise<CnnExtractor> {
  const s = await InferenceSession.create(bytes, runtime);
  const per = channels * h * w;
  return {
    // Same name whether trained now or loaded from the cache: the report must not depend on the cache.
    name: `cnn (${o.featureSize}-d penultimate layer of a ${info.classes.length}-class network on ${h}×${w} inputs, trained on ${info.images} real images, train accuracy ${info.trainAccuracy.toFixed(3)})`,
    info,
    async features(images: readonly ImageTensor[]): Promise<Float64Array[]> {
      const out: Float64Array[] = [];
      for (let start = 0; start < images.length; start += FEATURE_BATCH) {
        const batch = images.slice(start, start + FEATURE_BATCH).map((t) => {
          if (t.channels !== channels) throw new InvalidArgumentError(`the feature network takes ${channels}-channel images, got ${t.channels}`);
          return areaResize(t, h, w);
        });
        const idx = Array.from({ length: FEATURE_BATCH }, (_, i) => Math.min(i, batch.length - 1));
        const r = await s.run({ x: { data: batchInput(batch, idx, per), shape: [FEATURE_BATCH, channels, h, w] } });
        const f = r['features'] as Float32Array;
        const d = f.length / FEATURE_BATCH;
        for (let i = 0; i < batch.length; i++) out.push(Float64Array.from(f.subarray(i * d, (i + 1) * d)));
      }
      return out;
    },
  };
}

/**
 * The default FD feature extractor: a small CNN trained (seeded) to classify the real images'
 * labels with the nn engine; its penultimate layer is the feature vector. The trained model is
 * exported to ONNX and cached in `cacheDir` as `fd-cnn-<key>.onnx`, keyed by a hash of the real
 * images, the options and the seed, so a re-evaluation against another synthetic set reuses it.
 */
export async function trainCnnExtractor(
  real: readonly GeneratedSample[],
  options: CnnOptions,
  seed: number,
  cacheDir: string,
  progress?: ProgressReporter,
  signal?: AbortSignal,
  runtime: RuntimeOptions = {},
): Promise<CnnExtractor> {
  const classes = [...new Set(real.map((s) => s.label))].sort();
  if (classes.length < 2)
    throw new InvalidArgumentError(`the FD feature network learns to tell classes apart and needs at least 2 labels, got ${classes.length}`);
  const first = real[0]?.tensor as ImageTensor;
  const channels = first.channels;
  for (const s of real) {
    if (s.tensor.channels !== channels) throw new InvalidArgumentError(`real images differ in channels (${s.tensor.channels} vs ${channels})`);
  }
  const [h, w] = cnnInputSize(options.inputSize, first.height, first.width);
  const key = cnnCacheKey(real, options, seed);
  const modelPath = join(cacheDir, `fd-cnn-${key}.onnx`);
  const infoPath = join(cacheDir, `fd-cnn-${key}.json`);
  if (existsSync(modelPath) && existsSync(infoPath)) {
    const info = { ...(JSON.parse(await readFile(infoPath, 'utf8')) as CnnTrainingInfo), trained: false };
    progress?.log(`fd: feature network loaded from the cache ${modelPath}`);
    return session(await readFile(modelPath), channels, [h, w], options, info, runtime);
  }

  const per = channels * h * w;
  const inputs = real.map((s) => areaResize(s.tensor, h, w));
  const classOf = real.map((s) => classes.indexOf(s.label));
  const K = classes.length;
  const B = options.batchSize;
  const net = new FeatureNet(channels, h, w, options.width, options.featureSize, K);
  initParameters(net, seed);
  const trainer = await buildTrainingSession(net, {
    inputs: { x: { shape: [B, channels, h, w] }, y: { shape: [B, K] } },
    // Cross-entropy of the softmax against one-hot labels (ε keeps log finite).
    loss: (ctx, i) =>
      ops.neg(
        ops.reduceMeanAll(ops.reduceSum(ops.mul(i['y'] as Value, ops.log(ops.add(ops.softmax(net.forward(ctx, i['x'] as Value), -1), 1e-7))), [1], false)),
      ),
    forward: (ctx, i) => net.forward(ctx, i['x'] as Value),
    optimizer: adam({ lr: options.learningRate }),
    seed,
    runtime,
  });
  const task = progress?.start('fd: train the feature network', options.steps, 'steps');
  let finalLoss = Number.NaN;
  let order: number[] = [];
  let epoch = 0;
  let pos = 0;
  try {
    for (let step = 0; step < options.steps; step++) {
      if (signal?.aborted) throw new InterruptedError('interrupted while training the FD feature network');
      // Batches walk seeded per-epoch permutations; a set smaller than the batch wraps round.
      const idx: number[] = [];
      while (idx.length < B) {
        if (pos >= order.length) {
          order = Array.from(epochOrder(inputs.length, seed, epoch++));
          pos = 0;
        }
        idx.push(order[pos++] as number);
      }
      const y = new Float32Array(B * K);
      idx.forEach((j, k) => (y[k * K + (classOf[j] as number)] = 1));
      finalLoss = (await trainer.trainStep({ x: batchInput(inputs, idx, per), y })).loss;
      task?.tick(1, `loss ${finalLoss.toFixed(4)}`);
    }
    // Accuracy on the training images, for the report (a network that learned nothing gives poor features).
    let correct = 0;
    for (let start = 0; start < inputs.length; start += B) {
      const idx = Array.from({ length: B }, (_, k) => Math.min(start + k, inputs.length - 1));
      const logits = await trainer.predict({ x: batchInput(inputs, idx, per), y: new Float32Array(B * K) });
      for (let k = 0; k < B && start + k < inputs.length; k++) {
        let best = 0;
        for (let c = 1; c < K; c++) if ((logits[k * K + c] as number) > (logits[k * K + best] as number)) best = c;
        if (best === classOf[start + k]) correct++;
      }
    }
    trainer.syncToModel();
    task?.done(`loss ${finalLoss.toFixed(4)}`);
    const bytes = exportInferenceModel(net, {
      inputs: { x: { shape: [FEATURE_BATCH, channels, h, w] } },
      forward: (ctx, i) => ({ features: net.features(ctx, i['x'] as Value) }),
      metadata: { netsynth: 'evaluator-fd feature network', key },
    });
    const info: CnnTrainingInfo = {
      key,
      classes,
      images: inputs.length,
      steps: options.steps,
      finalLoss,
      trainAccuracy: correct / inputs.length,
      trained: true,
    };
    await writeFileAtomic(modelPath, bytes, { force: true });
    await writeFileAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`, { force: true });
    return session(bytes, channels, [h, w], options, info, runtime);
  } finally {
    await trainer.dispose();
  }
}
