/**
 * The saved model directory:
 *   model.onnx               inference denoiser with the EMA weights, symbolic batch axis
 *                            (inputs x [B,C,…], t [B] float, y [B] int64 → output)
 *   model.json               everything needed to sample and decode: U-Net spec, geometry,
 *                            schedule, prediction, label map, encoder name/info/state, training facts
 *   checkpoint.safetensors   training checkpoint (weights, AdamW state, EMA, step) for resume
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNetsynthError, ModelFileError, type EncoderInfo, type FitPrivacy, type JsonValue } from '@netsynth/core';
import { InferenceSession, type RuntimeOptions } from '@netsynth/nn';
import { z } from 'zod';
import type { Geometry } from './geometry.js';
import type { ScheduleKind } from './schedule.js';
import type { Prediction } from '@netsynth/schedulers';
import type { DenoiserSpec } from './unet.js';

export const MODEL_FORMAT = 'netsynth-ddpm-1';
export const FILES = { onnx: 'model.onnx', config: 'model.json', checkpoint: 'checkpoint.safetensors', chunks: 'chunks.json' } as const;

export interface DdpmModelConfig {
  format: typeof MODEL_FORMAT;
  /** Hash of everything that determines the trained weights (options, data, seed). */
  trainingKey: string;
  spec: DenoiserSpec;
  geometry: Geometry;
  schedule: { kind: ScheduleKind; timesteps: number };
  prediction: Prediction;
  /** labels[i] is class id i; id labels.length is the null label (classifier-free guidance). */
  labels: string[];
  encoder: { name: string; info: EncoderInfo; state: JsonValue };
  training: { steps: number; batchSize: number; images: number; finalLoss: number | null; seconds: number; stepsPerSecond: number; parameters: number };
  /** DP-SGD's guarantee when the model was trained with `options.privacy` (null or absent: none). */
  privacy?: FitPrivacy | null;
  /** The model whose weights started this training (`options.init`, or the first time chunk's), by its training key. */
  warmStart?: { from: string; trainingKey: string } | null;
}

const positiveInt = z.number().int().positive();
const geometrySchema = z.object({
  dims: z.union([z.literal(1), z.literal(2)]),
  channels: positiveInt,
  height: positiveInt,
  width: positiveInt,
  size: z.array(positiveInt).min(1).max(2),
  padValue: z.number(),
});
const specSchema = z.object({
  dims: z.union([z.literal(1), z.literal(2)]),
  inChannels: positiveInt,
  size: z.array(positiveInt).min(1).max(2),
  channels: positiveInt,
  channelMults: z.array(positiveInt).min(1),
  classes: z.number().int().nonnegative(),
});

/**
 * What sampling and decoding read from model.json, checked on load: a file edited by hand or
 * damaged on disk fails here, naming the file and the key, instead of deep inside sampling.
 */
const modelConfigSchema = z
  .object({
    trainingKey: z.string(),
    spec: specSchema,
    geometry: geometrySchema,
    schedule: z.object({ kind: z.enum(['linear', 'cosine']), timesteps: positiveInt.max(100_000) }),
    prediction: z.enum(['eps', 'v']),
    labels: z.array(z.string()).min(1),
    encoder: z.object({
      name: z.string().min(1),
      info: z.object({
        channels: positiveInt,
        height: positiveInt,
        width: positiveInt,
        valueRange: z.tuple([z.number(), z.number()]),
        metadata: z.record(z.string(), z.unknown()),
      }),
      state: z.unknown(),
    }),
  })
  .refine((c) => c.geometry.channels === c.spec.inChannels && c.geometry.size.length === c.geometry.dims && c.spec.classes === c.labels.length, {
    message: 'geometry, network spec and labels disagree (channels, sizes or class count)',
  })
  .refine((c) => fitsEncoder(c.geometry, c.spec.size, c.encoder.info), {
    message: "geometry disagrees with the network's input size or the encoder's image (channels, height, width)",
  });

/** The encoder's C×H×W image is what the geometry pads, and the padded size is the network's input. */
function fitsEncoder(g: z.infer<typeof geometrySchema>, specSize: readonly number[], info: { channels: number; height: number; width: number }): boolean {
  const sides = g.dims === 1 ? [g.width] : [g.height, g.width];
  return (
    g.channels === info.channels &&
    g.height === info.height &&
    g.width === info.width &&
    (g.dims === 2 || g.height === 1) &&
    g.size.length === specSize.length &&
    g.size.every((s, i) => s === specSize[i] && s >= (sides[i] ?? Infinity))
  );
}

export function modelFile(dir: string, f: keyof typeof FILES): string {
  return join(dir, FILES[f]);
}

export async function readModelConfig(dir: string): Promise<DdpmModelConfig> {
  const path = modelFile(dir, 'config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelFileError(`no DDPM model here (train first): ${(e as Error).message}`, path, undefined, e);
  }
  let cfg: DdpmModelConfig;
  try {
    cfg = JSON.parse(text) as DdpmModelConfig;
  } catch (e) {
    throw new ModelFileError(`not JSON: ${(e as Error).message}`, path, 0, e);
  }
  if (cfg?.format !== MODEL_FORMAT) throw new ModelFileError(`not a ${MODEL_FORMAT} model config (format ${String(cfg?.format)})`, path, 0);
  const checked = modelConfigSchema.safeParse(cfg);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const key = issue?.path.length ? issue.path.map(String).join('.') : '(root)';
    throw new ModelFileError(`damaged model config: ${key}: ${issue?.message ?? 'invalid'}`, path);
  }
  return cfg;
}

/**
 * One evaluation of the denoiser. model.json sets the shapes fed, so onnxruntime refusing
 * them, or an output of another name or size, means model.onnx is damaged or disagrees with
 * model.json: a ModelFileError naming model.onnx, not an internal error.
 */
export async function runDenoiser(session: InferenceSession, dir: string, feeds: Parameters<InferenceSession['run']>[0], size: number): Promise<Float32Array> {
  const path = modelFile(dir, 'onnx');
  let out: Awaited<ReturnType<InferenceSession['run']>>;
  try {
    out = await session.run(feeds);
  } catch (e) {
    if (isNetsynthError(e)) throw e;
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ModelFileError(`the denoiser failed on the shapes model.json gives: ${reason}`, path, undefined, e);
  }
  const y = out['output'];
  if (!(y instanceof Float32Array) || y.length !== size) {
    throw new ModelFileError(`the denoiser's output is not ${size} floats (damaged, or not the model model.json describes)`, path);
  }
  return y;
}

/**
 * Opens the exported denoiser; a damaged or truncated model.onnx is a ModelFileError naming
 * the file (onnxruntime's own message as the cause), not an engine failure.
 */
export async function openModelSession(dir: string, options: RuntimeOptions): Promise<InferenceSession> {
  const path = modelFile(dir, 'onnx');
  try {
    return await InferenceSession.create(path, options);
  } catch (e) {
    // nn reports onnxruntime's refusal as an engine failure; here the file is what is wrong.
    if (isNetsynthError(e) && (e.code === 'MODEL_FILE' || e.code === 'INTERRUPTED')) throw e;
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ModelFileError(`cannot load the denoiser: ${reason}`, path, undefined, e);
  }
}
