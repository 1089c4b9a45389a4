/**
 * The denoising U-Net of the generator: @netsynth/nn's U-Net (images or series, residual
 * blocks with dropout, attention at chosen resolutions and in the bottleneck) under the
 * generator's spec and option names, with its defaults by input size. Labels index an
 * embedding with one extra row, the null label of classifier-free guidance.
 */
import { InvalidArgumentError } from '@netsynth/core';
import { UNet, type TraceContext, type UNetOptions, type Value } from '@netsynth/nn';

export interface DenoiserSpec {
  dims: 1 | 2;
  inChannels: number;
  /** Padded spatial size the network runs at: [H, W] (dims 2) or [L] (dims 1). */
  size: number[];
  channels: number;
  channelMults: number[];
  blocksPerLevel: number;
  attentionResolutions: number[];
  dropout: number;
  groups: number;
  /** Real classes; the embedding has classes + 1 rows (the last is the null label). */
  classes: number;
  /** Self-attention between the two bottleneck blocks. */
  midAttention: boolean;
}

/** The spec as nn U-Net options, after checking what the config controls (named by its option path). */
function unetOptions(spec: DenoiserSpec): UNetOptions {
  for (const m of spec.channelMults)
    if ((spec.channels * m) % spec.groups)
      throw new InvalidArgumentError(`channels ${spec.channels}·${m} not divisible into ${spec.groups} groups`, { configPath: 'generator.options.groups' });
  return {
    dims: spec.dims,
    size: spec.size,
    inChannels: spec.inChannels,
    ch: spec.channels,
    mults: spec.channelMults,
    blocks: spec.blocksPerLevel,
    attentionResolutions: spec.attentionResolutions,
    midAttention: spec.midAttention,
    // One extra row: the null label of classifier-free guidance.
    classes: spec.classes + 1,
    groups: spec.groups,
    dropout: spec.dropout,
  };
}

/** nn's U-Net built from the generator's spec; timesteps and labels are always required. */
export class DenoiserUNet extends UNet {
  constructor(readonly spec: DenoiserSpec) {
    super(unetOptions(spec));
  }

  /** x [B, C, …spatial], t [B] float timesteps, y [B] int64 labels (classes = null label). */
  override forward(ctx: TraceContext, x: Value, t?: Value, y?: Value): Value {
    if (!t || !y) throw new InvalidArgumentError('the denoiser needs timesteps and labels');
    return super.forward(ctx, x, t, y);
  }
}

/** Default channel multipliers by the smaller padded side: 16 → [1,2], 32 → [1,2,2], 64 → [1,2,2,2], ≥ 128 → [1,2,2,2,4]. */
export function defaultMults(minSide: number): number[] {
  const levels = Math.max(1, Math.min(5, Math.floor(Math.log2(Math.max(minSide, 1))) - 2));
  return [1, 2, 2, 2, 4].slice(0, levels);
}

/** Bottleneck attention by default when the bottleneck has at most 256 positions (not on wide nPrint maps: 8×480 would be a 3840² matrix per image). */
export function defaultMidAttention(size: readonly number[], levels: number): boolean {
  const f = 2 ** (levels - 1);
  return size.reduce((a, s) => a * Math.ceil(s / f), 1) <= 256;
}

/** Default attention: the levels whose maps have at most 64 positions. */
export function defaultAttention(size: readonly number[], levels: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < levels; i++) {
    const f = 2 ** i;
    const positions = size.reduce((a, s) => a * Math.ceil(s / f), 1);
    if (positions <= 64) out.push(Math.ceil((size[0] as number) / f));
  }
  return out;
}
