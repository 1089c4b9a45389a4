import type { SchedulerKind } from '@netsynth/schedulers';
import { z } from 'zod';
import { DEFAULT_LORA_TARGETS } from '../lora/train.js';

/** `@netsynth/schedulers`' state-machine schedulers (the names the DDPM generator uses too). */
const scheduler = z.enum(['ddim', 'euler-ancestral', 'dpmpp-2m'] as const satisfies readonly SchedulerKind[]);

export const sdOptionsSchema = z.object({
  /** SD ONNX folder (relative to the config file), or "tiny" for the project's tiny model built into the model folder. */
  model: z.string().default('tiny'),
  /** Builder options when model = "tiny" (see buildTinyStableDiffusion). */
  tiny: z
    .object({
      resolution: z.number().int().min(16).optional(),
      blockOut: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
      textDim: z.number().int().positive().optional(),
      seed: z.number().int().optional(),
      fp16: z.boolean().optional(),
    })
    .default({}),
  captions: z
    .object({
      template: z.string().default('pixelated network data, type-{index}'),
      overrides: z.record(z.string(), z.string()).default({}),
    })
    .default({ template: 'pixelated network data, type-{index}', overrides: {} }),
  negativePrompt: z.string().default(''),
  image: z
    .object({
      mode: z.enum(['resize', 'crop', 'tile']).default('resize'),
      /** Model image size in pixels when the UNet's spatial dims are symbolic (SD 1.5: 512). */
      size: z.number().int().min(8).multipleOf(8).optional(),
      /** Per encoder channel: value outside crops / tile padding and for channels beyond RGB (default: per-channel median of the training tensors). */
      fill: z.array(z.number()).optional(),
      cropX: z.number().int().min(0).default(0),
      cropY: z.number().int().min(0).default(0),
    })
    .default({ mode: 'resize', cropX: 0, cropY: 0 }),
  train: z
    .object({
      rank: z.number().int().positive().default(4),
      /** kohya alpha (default = rank, i.e. scale 1). */
      alpha: z.number().positive().optional(),
      lr: z.number().positive().default(1e-4),
      steps: z.number().int().min(0).default(200),
      batchSize: z.number().int().positive().default(1),
      /** Training image size in pixels (default: the sampling size; resize mode and UNets with symbolic spatial axes only). NetDiffusion: 816×768 → here square. */
      resolution: z.number().int().min(8).multipleOf(8).optional(),
      /** Module path suffixes trained (default: attention to_q/to_k/to_v/to_out.0 of attn1 and attn2). */
      targets: z.array(z.string()).default([...DEFAULT_LORA_TARGETS]),
      checkpointEvery: z.number().int().positive().default(50),
    })
    .default({ rank: 4, lr: 1e-4, steps: 200, batchSize: 1, targets: [...DEFAULT_LORA_TARGETS], checkpointEvery: 50 }),
  sample: z
    .object({
      scheduler: scheduler.default('dpmpp-2m'),
      steps: z.number().int().positive().default(25),
      guidance: z.number().min(0).default(7.5),
      eta: z.number().min(0).default(0),
      /** Images per UNet batch (tile mode: the tiles of one sample form a batch). */
      batchSize: z.number().int().positive().default(1),
      /** img2img from the request's reference images when set (0 < strength ≤ 1). */
      strength: z.number().gt(0).max(1).optional(),
      /** Multiplier of the trained LoRA when merged for sampling. */
      loraMultiplier: z.number().default(1),
    })
    .default({ scheduler: 'dpmpp-2m', steps: 25, guidance: 7.5, eta: 0, batchSize: 1, loraMultiplier: 1 }),
  /** Further LoRA files merged at sampling time (kohya or diffusers/PEFT). */
  loras: z.array(z.object({ path: z.string(), multiplier: z.number().default(1) })).default([]),
  /** onnxruntime intra-op threads (default: all cores). */
  threads: z.number().int().positive().optional(),
  /** Execution providers of every session (text encoder, UNet, VAE, LoRA training), e.g. [cuda, cpu]; default: the run's `runtime.executionProviders`. A missing one falls back to the CPU with a warning. */
  executionProviders: z.array(z.string().min(1)).min(1).optional(),
  /** Run the ONNX sessions in worker threads so progress and Ctrl-C stay live during long steps. */
  worker: z.boolean().default(true),
});

export type SdOptions = z.output<typeof sdOptionsSchema>;
export type SdOptionsInput = z.input<typeof sdOptionsSchema>;
