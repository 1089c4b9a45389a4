/**
 * Training: a class-conditional denoiser on the encoder's images with packages/nn (one
 * onnxruntime run per step: forward, MSE, backward, clipping, AdamW, EMA). Everything random
 * is a function of (seed, step): the batch's images come from `epochOrder(seed, epoch)`, and
 * timesteps, label dropout and noise from a stream derived from the step number, so a run
 * resumed from a checkpoint takes exactly the steps an uninterrupted run takes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import {
  InterruptedError,
  InvalidArgumentError,
  createRng,
  deriveSeed,
  writeFileAtomic,
  type FitResult,
  type PluginContext,
  type TrainingSet,
} from '@netsynth/core';
import { adamw, buildTrainingSession, pluginRuntime, epochOrder, exportInference, initParameters, mseLoss, readSafetensors, type Trainer } from '@netsynth/nn';
import { imageSides, makeGeometry, padInto, sampleSize, type Geometry } from './geometry.js';
import { FILES, MODEL_FORMAT, modelFile, readModelConfig, type DdpmModelConfig } from './model-dir.js';
import type { DdpmOptions } from './options.js';
import { makeSchedule } from './schedule.js';
import { accountantFor, planPrivacy, poissonBatch, privacyFacts } from './privacy.js';
import { initDir, warmStart } from './warm-start.js';
import { DenoiserUNet, defaultAttention, defaultMidAttention, defaultMults, type DenoiserSpec } from './unet.js';
import { LossHistory } from './loss-history.js';

/** The network and geometry the options give for these images. */
export function planNetwork(data: Pick<TrainingSet, 'encoder'>, labels: readonly string[], o: DdpmOptions): { spec: DenoiserSpec; geometry: Geometry } {
  const info = data.encoder.info;
  const sides = imageSides(info, o.dims);
  const mults = o.channelMults ?? defaultMults(Math.min(...sides));
  const geometry = makeGeometry(info, o.dims, mults.length);
  const spec: DenoiserSpec = {
    dims: o.dims,
    inChannels: info.channels,
    size: geometry.size,
    channels: o.channels,
    channelMults: mults,
    blocksPerLevel: o.blocksPerLevel,
    attentionResolutions: o.attentionResolutions ?? defaultAttention(geometry.size, mults.length),
    dropout: o.dropout,
    groups: o.groups,
    classes: labels.length,
    midAttention: o.midAttention ?? defaultMidAttention(geometry.size, mults.length),
  };
  return { spec, geometry };
}

export function totalSteps(o: DdpmOptions, images: number): number {
  return o.epochs !== undefined ? Math.max(1, Math.ceil((o.epochs * images) / o.batchSize)) : o.steps;
}

/** EMA decay at a step, warmed up so a short run's EMA is not stuck near the initial weights. */
export function emaDecayAt(decay: number, step: number): number {
  return Math.min(decay, (1 + step) / (10 + step));
}

function dataHash(data: TrainingSet): string {
  const h = createHash('sha256');
  data.tensors.forEach((t, i) => {
    h.update(`${data.labels[i]}\n${t.channels}x${t.height}x${t.width}\n`);
    h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
  h.update(JSON.stringify(data.encoder));
  return h.digest('hex');
}

/** Options that change the weights (sampling options and thread count do not). */
function trainingKey(data: TrainingSet, spec: DenoiserSpec, o: DdpmOptions, steps: number, seed: number, initKey?: string): string {
  const {
    sampler: _s,
    sampleSteps: _ss,
    ddimEta: _de,
    guidanceScale: _g,
    sampleBatchSize: _sb,
    clipDenoised: _c,
    threads: _t,
    executionProviders: _ep,
    replicas: _r,
    checkpointEvery: _ce,
    // Chunked training calls this once per chunk with that chunk's data and steps.
    timeChunks: _tc,
    ...rest
  } = o;
  return createHash('sha256')
    .update(JSON.stringify({ spec, rest, steps, seed, data: dataHash(data), ...(initKey && { initKey }) }))
    .digest('hex');
}

function validate(data: TrainingSet, labels: readonly string[]): void {
  const { channels, height, width } = data.encoder.info;
  if (data.tensors.length === 0) throw new InvalidArgumentError('the training set is empty');
  if (data.tensors.length !== data.labels.length) throw new InvalidArgumentError(`${data.tensors.length} tensors but ${data.labels.length} labels`);
  const known = new Set(labels);
  const stray = data.labels.find((l) => !known.has(l));
  if (stray !== undefined) throw new InvalidArgumentError(`training label "${stray}" is not in the model's label list`);
  data.tensors.forEach((t, i) => {
    if (t.channels !== channels || t.height !== height || t.width !== width || t.data.length !== channels * height * width) {
      throw new InvalidArgumentError(`training image ${i} is ${t.channels}×${t.height}×${t.width}; the encoder says ${channels}×${height}×${width}`);
    }
  });
}

/** How one model is fitted beyond its options (time chunks: one label list for every chunk, the first chunk's weights as the start). */
export interface FitPlan {
  /** The model's labels (class ids), a superset of the data's; default: the data's, sorted. */
  labels?: readonly string[];
  /** Start from this model folder's weights; `from` is what model.json records (default: `options.init`). */
  warm?: { dir: string; from: string };
}

/** A fit's result; `reused` when the folder already held this very training's model. */
export interface DdpmFit extends FitResult {
  reused?: boolean;
}

export async function fitDdpm(data: TrainingSet, modelDir: string, o: DdpmOptions, ctx: PluginContext, how: FitPlan = {}): Promise<DdpmFit> {
  const labels = how.labels ? [...how.labels] : [...new Set(data.labels)].sort();
  validate(data, labels);
  const labelId = new Map(labels.map((l, i) => [l, i]));
  const { spec, geometry } = planNetwork(data, labels, o);
  const N = data.tensors.length;
  const total = totalSteps(o, N);
  const seed = ctx.seed;
  // A warm start's weights are part of what this training is.
  const warm = how.warm ?? (o.init ? { dir: initDir(o.init, ctx.baseDir), from: o.init } : undefined);
  const initKey = warm ? (await readModelConfig(warm.dir)).trainingKey : undefined;
  const key = trainingKey(data, spec, o, total, seed, initKey);

  // A finished model of this very training: nothing to do.
  if (existsSync(modelFile(modelDir, 'config')) && existsSync(modelFile(modelDir, 'onnx'))) {
    const done = await readModelConfig(modelDir).catch(() => undefined);
    if (done?.trainingKey === key)
      return {
        modelDir,
        steps: done.training.steps,
        ...(done.training.finalLoss !== null && { finalLoss: done.training.finalLoss }),
        ...(done.privacy && { privacy: done.privacy }),
        reused: true,
      };
  }
  await mkdir(modelDir, { recursive: true });

  const net = new DenoiserUNet(spec);
  initParameters(net, deriveSeed(seed, 'ddpm:init'));
  net.zeroOutput();
  if (warm) await warmStart(net, warm.dir, ctx);
  const B = o.batchSize;
  const plan = planPrivacy(o, N, total);
  const per = sampleSize(geometry);
  const xShape = [B, geometry.channels, ...geometry.size];
  // The trainer reads ema.decay at every step; it is updated below (warm-up).
  const ema = { decay: emaDecayAt(o.emaDecay, 1) };
  const trainer: Trainer = await buildTrainingSession(net, {
    inputs: { x: { shape: xShape }, t: { shape: [B] }, y: { shape: [B], dtype: 'int64' }, target: { shape: xShape } },
    loss: (c, i) => mseLoss(net.forward(c, i.x!, i.t!, i.y!), i.target!),
    optimizer: adamw({ lr: o.lr, weightDecay: o.weightDecay }),
    schedule: { warmupSteps: Math.min(o.warmupSteps, Math.max(0, total - 1)), decay: 'cosine', totalSteps: total, minLrRatio: o.minLrRatio },
    clipGradNorm: o.clipGradNorm,
    ema,
    seed: deriveSeed(seed, 'ddpm:dropout'),
    runtime: pluginRuntime(ctx, o.executionProviders, o.threads ? { intraOpNumThreads: o.threads } : {}),
    replicas: o.replicas,
    ...(plan && {
      privacy: {
        maxGradNorm: plan.maxGradNorm,
        noiseMultiplier: plan.noiseMultiplier,
        expectedBatchSize: plan.expectedBatchSize,
        ...(!plan.secureRandomness && { noiseSeed: deriveSeed(seed, 'ddpm:dp-noise') }),
      },
    }),
  });

  const ckpt = modelFile(modelDir, 'checkpoint');
  let resumedFromStep: number | undefined;
  if (existsSync(ckpt)) {
    const meta = (await readSafetensors(ckpt)).metadata;
    if (meta['ddpm.trainingKey'] === key) {
      await trainer.loadCheckpoint(ckpt);
      resumedFromStep = trainer.step;
    } else ctx.progress.warn(`${ckpt} belongs to another training (options, data or seed changed): starting over`);
  }
  const acc = plan && accountantFor(plan);
  acc?.record(trainer.step);
  const save = (): Promise<void> => trainer.saveCheckpoint(ckpt, { force: true, metadata: { 'ddpm.trainingKey': key, 'ddpm.totalSteps': String(total) } });

  // Padded images once; a batch copies rows out of this.
  const images = new Float32Array(N * per);
  data.tensors.forEach((t, i) => padInto(geometry, t.data, images, i * per));
  const ids = data.labels.map((l) => labelId.get(l) as number);
  const schedule = makeSchedule(o.schedule, o.timesteps);
  const sqrtAb = Float64Array.from(schedule.alphasCumprod, Math.sqrt);
  const sqrt1mAb = Float64Array.from(schedule.alphasCumprod, (a) => Math.sqrt(1 - a));
  const orders = new Map<number, number[]>();
  const orderOf = (epoch: number): number[] => {
    let ord = orders.get(epoch);
    if (!ord) {
      orders.clear();
      ord = epochOrder(N, deriveSeed(seed, 'ddpm:order'), epoch);
      orders.set(epoch, ord);
    }
    return ord;
  };
  let x = new Float32Array(B * per);
  let target = new Float32Array(B * per);
  let tt = new Float32Array(B);
  let yy = new BigInt64Array(B);
  const nullId = labels.length;
  // Which samples a step trains on: the epoch order, or a Poisson draw under DP-SGD.
  const batchOf = (step: number): number[] =>
    plan
      ? poissonBatch(N, plan, seed, step)
      : Array.from({ length: B }, (_, b) => {
          const pos = (step - 1) * B + b;
          return orderOf(Math.floor(pos / N))[pos % N] as number;
        });

  const dpLabel = plan
    ? ` (DP-SGD: ε ≤ ${plan.epsilon}, δ ${plan.delta.toExponential(1)}, Poisson rate ${plan.sampleRate.toPrecision(3)}, noise ×${plan.noiseMultiplier.toPrecision(4)}, clip ${plan.maxGradNorm})`
    : '';
  const task = ctx.progress.start(`ddpm train${dpLabel}`, total, 'steps');
  if (resumedFromStep) task.update(resumedFromStep, `resumed from step ${resumedFromStep}`);
  let lossAvg: number | undefined;
  const t0 = performance.now();
  const firstStep = trainer.step + 1;
  const history = new LossHistory(modelDir, total);
  await history.resume(firstStep);
  try {
    for (let step = firstStep; step <= total; step++) {
      if (ctx.signal?.aborted) {
        await save();
        throw new InterruptedError(`training interrupted at step ${step - 1} of ${total}; checkpoint saved to ${ckpt}`);
      }
      if (acc && plan && acc.wouldExceed(plan.epsilon)) {
        ctx.progress.warn(`DP-SGD: step ${step} would take ε past ${plan.epsilon}: training stops after ${step - 1} steps`);
        break;
      }
      const rng = createRng(deriveSeed(seed, `ddpm:step:${step}`));
      const batch = batchOf(step);
      if (batch.length !== tt.length) {
        x = new Float32Array(batch.length * per);
        target = new Float32Array(batch.length * per);
        tt = new Float32Array(batch.length);
        yy = new BigInt64Array(batch.length);
      }
      for (let b = 0; b < batch.length; b++) {
        const idx = batch[b] as number;
        const t = rng.int(schedule.timesteps);
        const a = sqrtAb[t] as number;
        const s = sqrt1mAb[t] as number;
        tt[b] = t;
        yy[b] = BigInt(rng.next() < o.labelDropout ? nullId : (ids[idx] as number));
        const off = b * per;
        const src = idx * per;
        for (let j = 0; j < per; j++) {
          const x0 = images[src + j] as number;
          const e = rng.normal();
          x[off + j] = a * x0 + s * e;
          target[off + j] = o.prediction === 'eps' ? e : a * e - s * x0;
        }
      }
      ema.decay = emaDecayAt(o.emaDecay, step);
      const r = await trainer.trainStep({ x, t: tt, y: yy, target });
      acc?.record(1);
      // An empty Poisson batch has no loss to average.
      if (r.examples !== 0) lossAvg = lossAvg === undefined ? r.loss : 0.98 * lossAvg + 0.02 * r.loss;
      task.tick(1, `loss ${lossAvg?.toPrecision(3) ?? 'n/a'}${acc ? `, ε ${acc.spent().epsilon.toPrecision(3)}` : ''}`);
      history.record(step, lossAvg, step === total);
      if (step % o.checkpointEvery === 0 && step < total) await save();
    }
    if (firstStep <= trainer.step) await save();
    // DP-SGD may stop early (budget); otherwise this is `total`.
    const stepsDone = trainer.step;
    const privacy = plan && acc ? privacyFacts(plan, acc) : undefined;
    const seconds = (performance.now() - t0) / 1000;
    const trained = stepsDone - firstStep + 1;

    trainer.syncToModel({ ema: true });
    await exportInference(net, modelFile(modelDir, 'onnx'), {
      // Traced at batch 2, not 1: a reshape that is the identity at batch 1 (e.g. [1, −1, …]) is
      // dropped from the graph by nn's ops.reshape and the symbolic batch would then break it.
      inputs: { x: { shape: [2, geometry.channels, ...geometry.size] }, t: { shape: [2] }, y: { shape: [2], dtype: 'int64' } },
      forward: (c, i) => ({ output: net.forward(c, i.x!, i.t!, i.y!) }),
      dynamicBatch: true,
      metadata: { format: MODEL_FORMAT, trainingKey: key },
      force: true,
    });
    const config: DdpmModelConfig = {
      format: MODEL_FORMAT,
      trainingKey: key,
      spec,
      geometry,
      schedule: { kind: o.schedule, timesteps: o.timesteps },
      prediction: o.prediction,
      labels,
      encoder: data.encoder,
      training: {
        steps: stepsDone,
        batchSize: B,
        images: N,
        finalLoss: lossAvg ?? null,
        seconds,
        stepsPerSecond: trained > 0 ? trained / seconds : 0,
        parameters: net.parameterCount(),
      },
      privacy: privacy ?? null,
      // The weights' lineage: which model this training started from.
      warmStart: warm && initKey ? { from: warm.from, trainingKey: initKey } : null,
    };
    await writeFileAtomic(modelFile(modelDir, 'config'), `${JSON.stringify(config, null, 2)}\n`, { force: true });
    await history.save();
    task.done(
      `${stepsDone} steps${privacy ? `, (ε, δ) = (${privacy.epsilon.toPrecision(3)}, ${privacy.delta.toExponential(1)})` : ''}, loss ${lossAvg?.toPrecision(3) ?? 'n/a'} → ${FILES.onnx}`,
    );
    return {
      modelDir,
      steps: stepsDone,
      ...(lossAvg !== undefined && { finalLoss: lossAvg }),
      ...(resumedFromStep !== undefined && { resumedFromStep }),
      ...(privacy && { privacy }),
    };
  } finally {
    await trainer.dispose();
  }
}
