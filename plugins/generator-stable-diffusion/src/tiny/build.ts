/**
 * `buildTinyStableDiffusion(dir)`: a complete Stable Diffusion ONNX folder in the standard
 * layout (model_index.json, text_encoder/, unet/ with external data, vae_encoder/,
 * vae_decoder/, tokenizer/, scheduler/), with toy-sized random weights built by
 * @netsynth/nn. No weights can be downloaded here, so every loader, the LoRA merge and
 * training, and the sampler are tested on these files. The UNet also takes the ControlNet
 * residual inputs `down_block_0..3` and `mid_block_additional_residual`.
 */
import { writeFileAtomic } from '@netsynth/core';
import { initParameters, type Value } from '@netsynth/nn';
import { join } from 'node:path';
import { toFloat16, torchStyle, traceNamed, writeOnnx } from '../onnx/export.js';
import { TinyClipText, TinyUNet, TinyVaeDecoder, TinyVaeEncoder, type TinyUNetConfig } from './models.js';
import { buildTinyTokenizer } from './tokenizer-files.js';

export interface TinyStableDiffusionOptions {
  seed?: number;
  /** Native image size in pixels (square, multiple of 16); latents are size/8. Default 64. */
  resolution?: number;
  blockOut?: [number, number];
  /** Text embedding width (SD 1.x: 768). Default 32. */
  textDim?: number;
  textLayers?: number;
  heads?: number;
  groups?: number;
  vaeChannels?: number;
  /** Tokens per prompt (SD: 77). */
  maxLength?: number;
  /** Store weights and float inputs/outputs as float16. */
  fp16?: boolean;
  /** Put the UNet's weights in `unet/model.onnx_data` (default true). */
  externalData?: boolean;
  /** Export with this fixed batch size instead of a symbolic batch axis (some exports do). */
  staticBatch?: number;
  /** Extra words for the tokenizer's merges (the caption words are always included). */
  words?: string[];
  force?: boolean;
}

export interface TinyStableDiffusionInfo {
  dir: string;
  resolution: number;
  latentSize: number;
  unet: TinyUNetConfig;
  textDim: number;
  maxLength: number;
  vocabSize: number;
  /** Shapes of the UNet residual inputs for batch 1, in input order. */
  residualInputs: { name: string; dims: number[] }[];
}

const DEFAULT_WORDS = ['pixelated', 'network', 'data', 'type', 'a', 'of', 'the', 'packet', 'flow', 'netflix', 'youtube', 'zoom', 'class', 'image'];

/** Resolved options (also what `createTinyUNet` needs to rebuild the same UNet module). */
export function resolveTinyOptions(o: TinyStableDiffusionOptions = {}): Required<Omit<TinyStableDiffusionOptions, 'words' | 'force'>> & { words: string[] } {
  const resolution = o.resolution ?? 64;
  if (resolution % 16 || resolution < 16) throw new RangeError(`tiny SD resolution ${resolution} must be a multiple of 16`);
  return {
    seed: o.seed ?? 0,
    resolution,
    blockOut: o.blockOut ?? [32, 64],
    textDim: o.textDim ?? 32,
    textLayers: o.textLayers ?? 1,
    heads: o.heads ?? 2,
    groups: o.groups ?? 8,
    vaeChannels: o.vaeChannels ?? 16,
    maxLength: o.maxLength ?? 77,
    fp16: o.fp16 ?? false,
    externalData: o.externalData ?? true,
    staticBatch: o.staticBatch ?? 0,
    words: [...DEFAULT_WORDS, ...(o.words ?? [])],
  };
}

/** The tiny UNet module with the builder's weights (same seed → same weights as the saved file). */
export function createTinyUNet(o: TinyStableDiffusionOptions = {}): TinyUNet {
  const r = resolveTinyOptions(o);
  const unet = new TinyUNet({ blockOut: r.blockOut, crossDim: r.textDim, heads: r.heads, groups: r.groups, latentChannels: 4 });
  initParameters(unet, r.seed * 7 + 1);
  return unet;
}

const isSequenceLinear = (path: string): boolean => /transformer_blocks|self_attn|mlp/.test(path);

export async function buildTinyStableDiffusion(dir: string, opts: TinyStableDiffusionOptions = {}): Promise<TinyStableDiffusionInfo> {
  const r = resolveTinyOptions(opts);
  const force = opts.force ?? false;
  const lat = r.resolution / 8;
  const batch = { 0: 'batch' };
  const B = r.staticBatch > 0 ? r.staticBatch : 1;

  // Tokenizer.
  const captionWords = [...r.words, ...Array.from({ length: 10 }, (_, i) => String(i))];
  const tok = buildTinyTokenizer(captionWords);
  const vocabSize = Object.keys(tok.vocab).length;
  await writeFileAtomic(join(dir, 'tokenizer', 'vocab.json'), JSON.stringify(tok.vocab), { force });
  await writeFileAtomic(join(dir, 'tokenizer', 'merges.txt'), `#version: 0.2\n${tok.merges.join('\n')}\n`, { force });
  await writeFileAtomic(
    join(dir, 'tokenizer', 'special_tokens_map.json'),
    JSON.stringify({ bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>' }, null, 2),
    { force },
  );
  await writeFileAtomic(
    join(dir, 'tokenizer', 'tokenizer_config.json'),
    JSON.stringify(
      {
        tokenizer_class: 'CLIPTokenizer',
        model_max_length: r.maxLength,
        do_lower_case: true,
        bos_token: '<|startoftext|>',
        eos_token: '<|endoftext|>',
        pad_token: '<|endoftext|>',
        unk_token: '<|endoftext|>',
      },
      null,
      2,
    ),
    { force },
  );

  // Text encoder: input_ids int64 [B, L] → last_hidden_state [B, L, D].
  const te = new TinyClipText(vocabSize, r.textDim, r.maxLength, r.textLayers, r.heads);
  initParameters(te, r.seed * 7 + 2);
  const teModel = traceNamed(te, {
    inputs: { input_ids: { shape: [B, r.maxLength], dtype: 'int64' } },
    forward: (ctx, i) => ({ last_hidden_state: te.forward(ctx, i.input_ids as Value) }),
    ...(r.staticBatch === 0 && { dynamicAxes: { input_ids: batch } }),
  });
  torchStyle(teModel, isSequenceLinear);
  if (r.fp16) toFloat16(teModel);
  await writeOnnx(teModel, join(dir, 'text_encoder'), { force });

  // UNet with ControlNet residual inputs.
  const unet = createTinyUNet(opts);
  const layout = unet.residualLayout();
  const residualInputs = [
    ...layout.down.map((d, i) => ({ name: `down_block_${i}`, dims: [1, d.channels, lat / d.factor, lat / d.factor] })),
    { name: 'mid_block_additional_residual', dims: [1, layout.mid.channels, lat / layout.mid.factor, lat / layout.mid.factor] },
  ];
  const unetInputs: Record<string, { shape: number[] }> = {
    sample: { shape: [B, 4, lat, lat] },
    timestep: { shape: [B] },
    encoder_hidden_states: { shape: [B, r.maxLength, r.textDim] },
  };
  for (const ri of residualInputs) unetInputs[ri.name] = { shape: [B, ...ri.dims.slice(1)] };
  const unetModel = traceNamed(unet, {
    inputs: unetInputs,
    forward: (ctx, i) => ({
      out_sample: unet.forwardWith(ctx, i.sample as Value, i.timestep as Value, i.encoder_hidden_states as Value, {
        down: layout.down.map((_, k) => i[`down_block_${k}`] as Value),
        mid: i.mid_block_additional_residual as Value,
      }),
    }),
    ...(r.staticBatch === 0 && { dynamicAxes: Object.fromEntries(Object.keys(unetInputs).map((k) => [k, batch])) }),
  });
  torchStyle(unetModel, isSequenceLinear);
  if (r.fp16) toFloat16(unetModel);
  await writeOnnx(unetModel, join(dir, 'unet'), { force, external: r.externalData });

  // VAE encoder: sample [B,3,H,W] in [-1,1] → latent_parameters [B, 8, H/8, W/8] (mean, logvar).
  const ve = new TinyVaeEncoder(r.vaeChannels, 4, r.groups);
  initParameters(ve, r.seed * 7 + 3);
  const veModel = traceNamed(ve, {
    inputs: { sample: { shape: [B, 3, r.resolution, r.resolution] } },
    forward: (ctx, i) => ({ latent_parameters: ve.forward(ctx, i.sample as Value) }),
    ...(r.staticBatch === 0 && { dynamicAxes: { sample: batch } }),
  });
  torchStyle(veModel, () => false);
  if (r.fp16) toFloat16(veModel);
  await writeOnnx(veModel, join(dir, 'vae_encoder'), { force });

  // VAE decoder: latent_sample [B,4,h,w] → sample [B,3,8h,8w].
  const vd = new TinyVaeDecoder(r.vaeChannels, 4, r.groups);
  initParameters(vd, r.seed * 7 + 4);
  const vdModel = traceNamed(vd, {
    inputs: { latent_sample: { shape: [B, 4, lat, lat] } },
    forward: (ctx, i) => ({ sample: vd.forward(ctx, i.latent_sample as Value) }),
    ...(r.staticBatch === 0 && { dynamicAxes: { latent_sample: batch } }),
  });
  torchStyle(vdModel, () => false);
  if (r.fp16) toFloat16(vdModel);
  await writeOnnx(vdModel, join(dir, 'vae_decoder'), { force });

  await writeFileAtomic(
    join(dir, 'scheduler', 'scheduler_config.json'),
    JSON.stringify(
      {
        _class_name: 'PNDMScheduler',
        beta_start: 0.00085,
        beta_end: 0.012,
        beta_schedule: 'scaled_linear',
        num_train_timesteps: 1000,
        steps_offset: 1,
        set_alpha_to_one: false,
        skip_prk_steps: true,
        clip_sample: false,
        prediction_type: 'epsilon',
        timestep_spacing: 'leading',
      },
      null,
      2,
    ),
    { force },
  );
  const ort = ['diffusers', 'OnnxRuntimeModel'];
  await writeFileAtomic(
    join(dir, 'model_index.json'),
    JSON.stringify(
      {
        _class_name: 'OnnxStableDiffusionPipeline',
        _diffusers_version: '0.30.0',
        text_encoder: ort,
        unet: ort,
        vae_encoder: ort,
        vae_decoder: ort,
        tokenizer: ['transformers', 'CLIPTokenizer'],
        scheduler: ['diffusers', 'PNDMScheduler'],
        safety_checker: [null, null],
        feature_extractor: [null, null],
        requires_safety_checker: false,
      },
      null,
      2,
    ),
    { force },
  );
  const info: TinyStableDiffusionInfo = {
    dir,
    resolution: r.resolution,
    latentSize: lat,
    unet: unet.cfg,
    textDim: r.textDim,
    maxLength: r.maxLength,
    vocabSize,
    residualInputs,
  };
  await writeFileAtomic(join(dir, 'netsynth_tiny.json'), JSON.stringify({ options: { ...r }, info }, null, 2), { force });
  return info;
}
