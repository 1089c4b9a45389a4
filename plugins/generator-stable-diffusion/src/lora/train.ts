/**
 * LoRA training of an ONNX UNet with @netsynth/nn. The UNet graph is imported into nn's IR
 * (replay.ts) with its weights as frozen constants; a rank-r branch up·down is inserted
 * beside each target projection (default: attention to_q/to_k/to_v/to_out.0); the loss is
 * the epsilon-prediction MSE of the diffusers/kohya training loop:
 *   x_t = sqrt(ᾱ_t)·x0 + sqrt(1−ᾱ_t)·ε,  t ~ U{0..T−1},  loss = ‖unet(x_t, t, c) − ε‖²
 * and only the LoRA matrices are parameters (base weights have no gradient by construction).
 * `down` starts Kaiming-uniform and `up` at zero (kohya's init), so step 0 is the base model.
 * Saved as kohya-compatible safetensors (lora_unet_<path>.lora_down/.lora_up/.alpha).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InterruptedError, InvalidArgumentError, createRng, deriveSeed } from '@netsynth/core';
import {
  Module,
  adamw,
  buildTrainingSession,
  epochOrder,
  initParameters,
  mseLoss,
  writeSafetensors,
  type Parameter,
  type TensorToWrite,
  type Trainer,
  type Value,
} from '@netsynth/nn';
import { decodeModel, type ModelProto } from '../onnx/proto.js';
import { alphasCumprod, type SchedulerConfig } from '@netsynth/schedulers';
import { loadConstants, replayOnnx, type LoraBranch } from './replay.js';
import { enumerateTargets, kohyaName, type LoraTarget } from './targets.js';

export const DEFAULT_LORA_TARGETS = ['attn1.to_q', 'attn1.to_k', 'attn1.to_v', 'attn1.to_out.0', 'attn2.to_q', 'attn2.to_k', 'attn2.to_v', 'attn2.to_out.0'];

export interface LoraTrainOptions {
  rank?: number;
  /** kohya alpha; the branch is scaled by alpha/rank (default alpha = rank). */
  alpha?: number;
  lr?: number;
  steps?: number;
  batchSize?: number;
  /** Module path suffixes to adapt (default: the attention projections). */
  targets?: readonly string[];
  seed?: number;
  weightDecay?: number;
  /** nn checkpoint (LoRA weights + optimizer state + step) for resuming. */
  checkpointPath?: string;
  checkpointEvery?: number;
  /** Execution providers of the training session (default CPU); a missing one falls back with a warning. */
  executionProviders?: readonly string[];
  onWarning?: (message: string) => void;
  threads?: number;
  onStep?: (step: number, loss: number) => void;
  signal?: AbortSignal;
  /**
   * Base weights (as float32, fp16 widened) above this many bytes go to ONNX external data in
   * the training graph (protobuf caps a model at 2 GB; SD 1.5's UNet is 3.4 GB). Default 1 GiB.
   */
  externalDataAbove?: number;
  /** Folder for the external-data training model (a temporary sub-folder, removed on dispose). Default: the OS temp dir. */
  externalDataDir?: string;
}

/** Default of `externalDataAbove`: well under protobuf's 2 GB so the rest of the graph fits too. */
export const EXTERNAL_DATA_ABOVE = 1 << 30;

export interface LoraTrainData {
  /** Clean scaled latents [N, C, h, w]. */
  latents: Float32Array;
  latentDims: [number, number, number, number];
  /** Text embeddings per sample [N, L, D]. */
  hidden: Float32Array;
  hiddenDims: [number, number, number];
}

/** The trainable LoRA matrices, one down/up pair per target, kohya-named. */
export class LoraParameters extends Module {
  readonly pairs: { target: LoraTarget; key: string; down: Parameter; up: Parameter }[] = [];
  constructor(
    targets: readonly LoraTarget[],
    readonly rank: number,
    readonly alpha: number,
  ) {
    super();
    for (const t of targets) {
      const key = kohyaName('lora_unet', t.module);
      const [out, inp, ...k] = t.shape as [number, number, ...number[]];
      const fanIn = inp * k.reduce((a, b) => a * b, 1);
      const down = this.param(`${key}.lora_down.weight`, [rank, inp, ...k], { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) });
      const up = this.param(`${key}.lora_up.weight`, [out, rank, ...k.map(() => 1)], { kind: 'zeros' });
      this.pairs.push({ target: t, key, down, up });
    }
  }
  forward(): Value {
    throw new InvalidArgumentError('LoraParameters is applied through the graph import, not called');
  }
}

export function selectTargets(model: ModelProto, suffixes: readonly string[]): LoraTarget[] {
  const all = enumerateTargets(model);
  const picked = [...all.values()].filter((t) => suffixes.some((s) => t.module === s || t.module.endsWith(`.${s}`)));
  if (!picked.length) throw new InvalidArgumentError(`no UNet module matches the LoRA targets ${suffixes.join(', ')}`);
  return picked;
}

export interface LoraTrainResult {
  lora: LoraParameters;
  trainer: Trainer;
  losses: number[];
  steps: number;
  /** Whether the training graph kept the base weights in an external-data side file. */
  externalData: boolean;
  resumedFromStep?: number;
}

/** Writes the trained LoRA as kohya safetensors (F32; alpha as a 0-d tensor). */
export async function saveKohyaLora(
  path: string,
  lora: LoraParameters,
  trainer: Trainer | undefined,
  metadata: Record<string, string> = {},
  force = true,
): Promise<void> {
  const tensors = new Map<string, TensorToWrite>();
  for (const p of lora.pairs) {
    const down = trainer ? trainer.parameter(`${p.key}.lora_down.weight`).slice() : p.down.data;
    const up = trainer ? trainer.parameter(`${p.key}.lora_up.weight`).slice() : p.up.data;
    tensors.set(`${p.key}.alpha`, { shape: [], data: Float32Array.of(lora.alpha) });
    tensors.set(`${p.key}.lora_down.weight`, { shape: p.down.shape, data: down });
    tensors.set(`${p.key}.lora_up.weight`, { shape: p.up.shape, data: up });
  }
  await writeSafetensors(
    path,
    tensors,
    {
      ss_network_module: 'networks.lora',
      ss_network_dim: String(lora.rank),
      ss_network_alpha: String(lora.alpha),
      ss_base_model_version: 'sd_v1',
      ...metadata,
    },
    { force },
  );
}

export async function trainLora(unetPath: string, scheduler: SchedulerConfig, data: LoraTrainData, o: LoraTrainOptions = {}): Promise<LoraTrainResult> {
  const rank = o.rank ?? 4;
  const alpha = o.alpha ?? rank;
  const steps = o.steps ?? 100;
  const B = o.batchSize ?? 1;
  const seed = o.seed ?? 0;
  const [N, C, h, w] = data.latentDims;
  const [, L, D] = data.hiddenDims;
  if (N < 1) throw new InvalidArgumentError('no training images');
  const model = decodeModel(await readFile(unetPath));
  const consts = await loadConstants(model, dirname(unetPath), unetPath);
  const targets = selectTargets(model, o.targets ?? DEFAULT_LORA_TARGETS);
  const lora = new LoraParameters(targets, rank, alpha);
  // Deterministic init per parameter name (nn's initParameters streams).
  initParameters(lora, seed);
  const tInfo = model.graph.input.find((i) => i.name === 'timestep');
  const tInt = tInfo?.type?.tensorType?.elemType === 7;
  let baseBytes = 0;
  for (const c of consts.values()) if (c.dtype === 'float32') baseBytes += c.data.byteLength;
  const external = baseBytes > (o.externalDataAbove ?? EXTERNAL_DATA_ABOVE);
  const residualInputs = model.graph.input.filter((i) => i.name.startsWith('down_block_') || i.name === 'mid_block_additional_residual');
  const trainer = await buildTrainingSession(lora, {
    inputs: {
      x: { shape: [B, C, h, w] },
      t: { shape: [B], ...(tInt && { dtype: 'int64' as const }) },
      c: { shape: [B, L, D] },
      eps: { shape: [B, C, h, w] },
    },
    loss: (ctx, i) => {
      const g = ctx.graph;
      const branches = new Map<string, LoraBranch>();
      for (const p of lora.pairs) branches.set(p.target.node, { down: ctx.param(p.down), up: ctx.param(p.up), scale: alpha / rank });
      const feeds: Record<string, Value> = { sample: i.x as Value, timestep: i.t as Value, encoder_hidden_states: i.c as Value };
      // ControlNet residual inputs: zeros during training (the plain UNet).
      for (const r of residualInputs) {
        const dims = (r.type?.tensorType?.shape?.dim ?? []).map((d, k) => (k === 0 ? B : Number(d.dimValue ?? 0)));
        feeds[r.name] = g.constant({ dtype: 'float32', shape: dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }, `zero_${r.name}`);
      }
      const outs = replayOnnx(model, consts, g, feeds, branches);
      const pred = outs.out_sample ?? (Object.values(outs)[0] as Value);
      return mseLoss(pred, i.eps as Value);
    },
    optimizer: adamw({ lr: o.lr ?? 1e-4, weightDecay: o.weightDecay ?? 0 }),
    seed,
    ...(external && { externalData: { threshold: 1024, ...(o.externalDataDir !== undefined && { dir: o.externalDataDir }) } }),
    runtime: {
      ...(o.threads !== undefined && { intraOpNumThreads: o.threads }),
      ...(o.executionProviders && { executionProviders: o.executionProviders }),
      ...(o.onWarning && { onWarning: o.onWarning }),
    },
  });
  let resumedFromStep: number | undefined;
  if (o.checkpointPath && existsSync(o.checkpointPath)) {
    await trainer.loadCheckpoint(o.checkpointPath);
    resumedFromStep = trainer.step;
  }
  const ac = alphasCumprod(scheduler);
  const T = scheduler.num_train_timesteps;
  const per = C * h * w;
  const hper = L * D;
  const losses: number[] = [];
  const batchesPerEpoch = Math.max(1, Math.floor(N / B));
  while (trainer.step < steps) {
    if (o.signal?.aborted) {
      if (o.checkpointPath) await trainer.saveCheckpoint(o.checkpointPath, { force: true });
      throw new InterruptedError('LoRA training interrupted (checkpoint saved)');
    }
    const s = trainer.step;
    const order = epochOrder(N, seed, Math.floor(s / batchesPerEpoch));
    const rng = createRng(deriveSeed(seed, `lora-step:${s}`));
    const x = new Float32Array(B * per);
    const eps = new Float32Array(B * per);
    const c = new Float32Array(B * hper);
    const tf = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const idx = order[((s % batchesPerEpoch) * B + b) % N] as number;
      const t = rng.int(T);
      tf[b] = t;
      const a = ac[t] as number;
      const sa = Math.sqrt(a);
      const s1 = Math.sqrt(1 - a);
      for (let k = 0; k < per; k++) {
        const e = rng.normal();
        eps[b * per + k] = e;
        x[b * per + k] = sa * (data.latents[idx * per + k] as number) + s1 * e;
      }
      c.set(data.hidden.subarray(idx * hper, (idx + 1) * hper), b * hper);
    }
    const r = await trainer.trainStep({ x, t: tInt ? BigInt64Array.from(tf, (v) => BigInt(v)) : tf, c, eps });
    losses.push(r.loss);
    o.onStep?.(r.step, r.loss);
    if (o.checkpointPath && o.checkpointEvery && r.step % o.checkpointEvery === 0) await trainer.saveCheckpoint(o.checkpointPath, { force: true });
    await new Promise((res) => setImmediate(res));
  }
  if (o.checkpointPath) await trainer.saveCheckpoint(o.checkpointPath, { force: true });
  return { lora, trainer, losses, steps: trainer.step, externalData: external, ...(resumedFromStep !== undefined && { resumedFromStep }) };
}
