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
import { ModelFileError, type EncoderInfo, type FitPrivacy, type JsonValue } from '@netsynth/core';
import type { Geometry } from './geometry.js';
import type { ScheduleKind } from './schedule.js';
import type { Prediction } from './samplers.js';
import type { DenoiserSpec } from './unet.js';

export const MODEL_FORMAT = 'netsynth-ddpm-1';
export const FILES = { onnx: 'model.onnx', config: 'model.json', checkpoint: 'checkpoint.safetensors' } as const;

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
  return cfg;
}
