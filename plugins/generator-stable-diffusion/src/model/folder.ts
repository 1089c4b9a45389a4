/**
 * The standard ONNX Stable Diffusion folder (optimum / diffusers OnnxStableDiffusionPipeline):
 *   model_index.json, text_encoder/model.onnx, unet/model.onnx (+ model.onnx_data or
 *   weights.pb), vae_encoder/model.onnx (img2img only), vae_decoder/model.onnx,
 *   tokenizer/{vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json},
 *   scheduler/scheduler_config.json, optional controlnet/model.onnx.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelFileError } from '@netsynth/core';
import { schedulerConfigFrom, type SchedulerConfig } from '@netsynth/schedulers';

export interface SdFolder {
  dir: string;
  textEncoder: string;
  unet: string;
  vaeEncoder?: string;
  vaeDecoder: string;
  controlnet?: string;
  tokenizerDir: string;
  scheduler: SchedulerConfig;
  /** VAE latent scale (SD 1.x/2.x: 0.18215), from vae_decoder/config.json when present. */
  scalingFactor: number;
  index: Record<string, unknown>;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelFileError(`cannot read: ${(e as Error).message}`, path, undefined, e);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new ModelFileError(`not a JSON object: ${(e as Error).message}`, path, 0, e);
  }
}

export async function readSdFolder(dirIn: string): Promise<SdFolder> {
  const dir = resolve(dirIn);
  const index = await readJson(join(dir, 'model_index.json'));
  const need = (sub: string): string => {
    const p = join(dir, sub, 'model.onnx');
    if (!existsSync(p)) throw new ModelFileError(`missing ${sub}/model.onnx (an SD ONNX export has text_encoder, unet, vae_decoder, tokenizer, scheduler)`, p);
    return p;
  };
  const opt = (sub: string): string | undefined => {
    const p = join(dir, sub, 'model.onnx');
    return existsSync(p) ? p : undefined;
  };
  const tokenizerDir = join(dir, 'tokenizer');
  for (const f of ['vocab.json', 'merges.txt'])
    if (!existsSync(join(tokenizerDir, f))) throw new ModelFileError('missing tokenizer file', join(tokenizerDir, f));
  const schedPath = join(dir, 'scheduler', 'scheduler_config.json');
  const scheduler = schedulerConfigFrom(existsSync(schedPath) ? await readJson(schedPath) : {});
  let scalingFactor = 0.18215;
  const vaeConf = join(dir, 'vae_decoder', 'config.json');
  if (existsSync(vaeConf)) {
    const c = await readJson(vaeConf);
    if (typeof c.scaling_factor === 'number') scalingFactor = c.scaling_factor;
  }
  const vaeEncoder = opt('vae_encoder');
  const controlnet = opt('controlnet');
  return {
    dir,
    textEncoder: need('text_encoder'),
    unet: need('unet'),
    vaeDecoder: need('vae_decoder'),
    ...(vaeEncoder && { vaeEncoder }),
    ...(controlnet && { controlnet }),
    tokenizerDir,
    scheduler,
    scalingFactor,
    index,
  };
}
