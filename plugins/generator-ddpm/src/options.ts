/**
 * Options of the DDPM generator (flat, so a config line reads `options: { steps: 2000, sampler: ddim }`).
 * Defaults aim at a laptop CPU: a 32-channel U-Net whose depth follows the image size.
 */
import { DISCRETE_SCHEDULERS, resolveSchedulerName, SCHEDULER_ALIASES, type DiscreteSchedulerName, type SchedulerAlias } from '@netsynth/schedulers';
import { z } from 'zod';

/** `@netsynth/schedulers`' names, then the pre-0.2 aliases (`ancestral` = ddpm, `dpmpp2m` = dpmpp-2m), accepted with a warning. */
export const SAMPLERS = [...DISCRETE_SCHEDULERS, ...(Object.keys(SCHEDULER_ALIASES) as SchedulerAlias[])] as [
  DiscreteSchedulerName,
  ...(DiscreteSchedulerName | SchedulerAlias)[],
];
export type SamplerName = (typeof SAMPLERS)[number];

const positiveInt = z.number().int().positive();

export const ddpmOptionsSchema = z
  .object({
    /** 2: a Conv2d U-Net on C×H×W images; 1: a Conv1d U-Net on C×1×L series (height must be 1). */
    dims: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Base channel count of the U-Net. */
    channels: positiveInt.default(32),
    /** Channel multiplier per level; its length is the number of levels. Default: by image size (16 → [1,2], 32 → [1,2,2], 64 → [1,2,2,2], ≥128 → [1,2,2,2,4]). */
    channelMults: z.array(positiveInt).min(1).max(6).optional(),
    /** Residual blocks per level (the decoder has one more, as in DDPM). */
    blocksPerLevel: positiveInt.max(4).default(1),
    /** Self-attention at these resolutions (height of the feature map; length for dims 1). Default: levels with at most 64 positions. */
    attentionResolutions: z.array(positiveInt).optional(),
    /** Self-attention in the bottleneck. Default: when it has at most 256 positions. */
    midAttention: z.boolean().optional(),
    /** Dropout inside the residual blocks during training. */
    dropout: z.number().min(0).max(0.9).default(0),
    /** GroupNorm groups (must divide every level's channel count). */
    groups: positiveInt.default(8),

    /** Noise schedule: `cosine` (Nichol & Dhariwal) or `linear` (DDPM / NetDiffus, β 1e-4 → 0.02 for 1000 steps). Cosine + v measured far better on small images (README). */
    schedule: z.enum(['linear', 'cosine']).default('cosine'),
    /** Diffusion steps T. */
    timesteps: positiveInt.min(2).max(10_000).default(1000),
    /** What the network predicts: the noise (`eps`) or the velocity (`v`). */
    prediction: z.enum(['eps', 'v']).default('v'),
    /** Probability of replacing a label by the null label in training (classifier-free guidance). */
    labelDropout: z.number().min(0).max(1).default(0.1),

    /** Optimizer updates; `epochs` overrides it (steps = ceil(epochs · images / batchSize)). */
    steps: positiveInt.default(2000),
    epochs: z.number().positive().optional(),
    batchSize: positiveInt.max(4096).default(32),
    /** Peak learning rate (AdamW). */
    lr: z.number().positive().default(2e-3),
    warmupSteps: z.number().int().min(0).default(100),
    /** Cosine decay floor as a fraction of lr. */
    minLrRatio: z.number().min(0).max(1).default(0.05),
    weightDecay: z.number().min(0).default(0),
    /** EMA decay of the weights that are exported (warmed up as min(decay, (1+s)/(10+s))). */
    emaDecay: z.number().min(0).max(1).default(0.999),
    clipGradNorm: z.number().positive().default(1),
    /** Save the training checkpoint every this many steps (and at the end, and on interrupt). */
    checkpointEvery: positiveInt.default(500),

    /** Sampler (`@netsynth/schedulers` names): `ddpm` (ancestral, every step), `ddim` (deterministic, η = 0), `dpmpp-2m` (DPM-Solver++ 2M). The old names `ancestral` and `dpmpp2m` still work, with a warning. */
    sampler: z.enum(SAMPLERS).default('dpmpp-2m'),
    /** DDIM's η: 0 = deterministic (the probability-flow ODE), 1 = DDPM's posterior noise at each of the DDIM steps (README: on an imperfect model the fresh noise corrects errors the ODE keeps). */
    ddimEta: z.number().min(0).max(1).default(0),
    /** Sampling steps (ddim / dpmpp-2m; ddpm defaults to all T). */
    sampleSteps: positiveInt.optional(),
    /** Classifier-free guidance scale: 1 = conditional model only, > 1 pushes towards the label (2: lowest FD measured on the lab data; see README). */
    guidanceScale: z.number().min(0).max(50).default(2),
    /** Images denoised together per onnxruntime call. */
    sampleBatchSize: positiveInt.max(4096).default(64),
    /** Clip the predicted clean image to the encoder's value range at each step. */
    clipDenoised: z.boolean().default(true),

    /** onnxruntime threads per op (default: every core). */
    threads: positiveInt.optional(),
    /** Execution providers of the training and sampling sessions, e.g. [cuda, cpu] (default: the run's `runtime.executionProviders`); a missing one falls back to the CPU with a warning. */
    executionProviders: z.array(z.string().min(1)).min(1).optional(),

    /**
     * Training: data-parallel replicas, each a one-thread session on an equal share of the
     * batch (the step then uses every core; see @netsynth/nn). 'auto': one per thread when
     * the batch divides evenly. The weights depend on the count at float-rounding level, so
     * set a number to get the same bytes on machines with different core counts.
     */
    replicas: z.union([positiveInt, z.literal('auto')]).default('auto'),

    /**
     * Differentially private training (DP-SGD with Poisson sampling, RDP accountant): the
     * noise is solved from `epsilon`, the steps and the sampling rate batchSize / samples;
     * training never spends more than `epsilon`. Protects ONE training sample (an encoded
     * flow or flow window); a host with k samples gets about k·ε. `delta` defaults to
     * min(1e-5, 0.1 / samples). `secureRandomness: false` draws batches and noise from the
     * seed (reproducible bytes, private only while the seed is secret). Runs on the CPU.
     */
    privacy: z
      .strictObject({
        epsilon: z.number().positive(),
        delta: z.number().gt(0).lt(1).optional(),
        maxGradNorm: z.number().positive().default(1),
        secureRandomness: z.boolean().default(true),
      })
      .optional(),
    /**
     * Warm start: a model folder of another DDPM run (e.g. trained on public traces) whose
     * weights start this training; tensors whose name or shape differ (a different class
     * count) keep their fresh initialisation. Relative to the config file.
     */
    init: z.string().min(1).optional(),
    /**
     * NetShare's time chunks, for traces one model cannot hold over their whole time range:
     * split the training samples by start time into `count` equal intervals, train the first
     * chunk's model with `steps` and fine-tune a copy for each later chunk from the first
     * one's weights with `fineTuneSteps` (default: a quarter of the first chunk's steps).
     * `flowTags` adds the samples still running when a later chunk begins to that chunk's
     * training set under a "continues" tag (sampling asks only for flows starting in the
     * chunk). Each chunk's model makes its share of the samples (the real starts per chunk)
     * inside its time range. Needs an encoder that declares a time axis (the flow-record
     * encoder does); `count: 1` (default) is one model, as without the option.
     */
    timeChunks: z
      .strictObject({
        count: positiveInt.max(64).default(1).describe('equal time intervals of the flow starts, one model each (1: off)'),
        fineTuneSteps: positiveInt
          .optional()
          .describe("steps of each later chunk's fine-tuning from the first chunk's weights (default: a quarter of the first chunk's)"),
        flowTags: z.boolean().default(true).describe('train each chunk also on the flows still running from earlier chunks, tagged as such'),
      })
      .default({ count: 1, flowTags: true })
      .describe("NetShare's time chunks: train the first, fine-tune the others from it; each chunk samples its share inside its time range"),
  })
  .strict();

export type DdpmOptions = z.output<typeof ddpmOptionsSchema>;
export type DdpmOptionsInput = z.input<typeof ddpmOptionsSchema>;

/** Default sampling steps per sampler. */
export function defaultSampleSteps(sampler: SamplerName, timesteps: number): number {
  const name = resolveSchedulerName(sampler, DISCRETE_SCHEDULERS, () => undefined);
  if (name === 'ddpm') return timesteps;
  return name === 'ddim' ? Math.min(50, timesteps) : Math.min(20, timesteps);
}
