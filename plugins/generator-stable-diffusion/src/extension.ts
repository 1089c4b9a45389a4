/**
 * The hook a ControlNet (or any other UNet-residual provider) implements to steer this
 * generator. Core only knows `GeneratorExtension {name, role}`; this package owns the full
 * contract for role 'controlnet'. The sampler calls `prepare` once per batch and
 * `residuals` at every denoising step, sums what every extension returns and feeds the sum
 * to the UNet's extra inputs `down_block_0..N-1` and `mid_block_additional_residual`
 * (zeros when there is no extension or all return null).
 */
import type { EncoderInfo, GeneratorExtension, ImageTensor, ProgressReporter } from '@netsynth/core';

/** A float32 tensor, row-major, with its dimensions. */
export interface ResidualTensor {
  data: Float32Array;
  dims: number[];
}

/** What a residual provider adds to the UNet at one step. */
export interface UNetResiduals {
  /** One per UNet input `down_block_<i>`, in index order, each with that input's dims. */
  down: ResidualTensor[];
  /** Added through `mid_block_additional_residual`. */
  mid: ResidualTensor;
}

export interface ResidualPrepareArgs {
  /** The Stable Diffusion model folder being sampled (a ControlNet may live in its `controlnet/`). */
  modelDir: string;
  /** Images in this batch (before classifier-free guidance doubles the UNet batch). */
  batch: number;
  /** Model-space image size (pixels) and latent size (pixels / 8 for SD). */
  imageHeight: number;
  imageWidth: number;
  latentHeight: number;
  latentWidth: number;
  /** Class of each batch item. */
  labels: string[];
  /**
   * Real examples for each batch item, already mapped to model space by the same geometric
   * transform as the generated image (resize / crop window / tile), in the ENCODER's channel
   * layout and value range (e.g. nPrint onehot3: +1/−1 per class channel), size
   * imageHeight × imageWidth. Empty when the request carried none for that label.
   */
  references: ImageTensor[][];
  /** The encoder the model was fitted on (channel meaning), when known. */
  encoderInfo?: EncoderInfo;
  /** Names and dims of the UNet's residual inputs for the UNet batch used at each step. */
  residualInputs: { down: { name: string; dims: number[] }[]; mid: { name: string; dims: number[] } };
  /** True when the UNet batch is [unconditional B, conditional B] (classifier-free guidance). */
  guidance: boolean;
  seed: number;
  progress: ProgressReporter;
}

export interface ResidualStepArgs {
  /** Scheduler timestep value fed to the UNet (e.g. 981). */
  timestep: number;
  /** 0-based index of this step and the number of steps in the loop. */
  stepIndex: number;
  totalSteps: number;
  /** The UNet's `sample` input at this step (already scaled by the scheduler), UNet batch. */
  latents: Float32Array;
  latentDims: number[];
  /** The UNet's `encoder_hidden_states` at this step (UNet batch). */
  encoderHiddenStates: Float32Array;
  hiddenDims: number[];
}

/**
 * A GeneratorExtension with role 'controlnet'. Return null from `residuals` to add nothing
 * at a step (e.g. outside the guidance start/end window).
 */
export interface UNetResidualExtension extends GeneratorExtension {
  readonly role: 'controlnet';
  prepare(args: ResidualPrepareArgs): Promise<void>;
  residuals(args: ResidualStepArgs): Promise<UNetResiduals | null>;
  /** Releases sessions after the batch loop (optional). */
  dispose?(): Promise<void>;
}

/** True for extensions this generator can feed into the UNet. */
export function isUNetResidualExtension(e: GeneratorExtension | null | undefined): e is UNetResidualExtension {
  if (!e || e.role !== 'controlnet') return false;
  const x = e as Partial<UNetResidualExtension>;
  return typeof x.prepare === 'function' && typeof x.residuals === 'function';
}

/** UNet input names for ControlNet residuals (diffusers / optimum convention). */
export const DOWN_RESIDUAL_PREFIX = 'down_block_';
export const MID_RESIDUAL_INPUT = 'mid_block_additional_residual';
