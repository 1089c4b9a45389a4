/**
 * The tiny ControlNet, module for module as diffusers' ControlNetModel: a copy of the UNet's
 * encoder half (conv_in, time_embedding, down_blocks, mid_block — same names, so weights copy
 * across as `ControlNetModel.from_unet` does), a conditioning-image embedding
 * (`controlnet_cond_embedding`: conv_in, pairs of 3×3 convs with the second of each pair
 * strided by 2, zero-initialised conv_out), and one zero-initialised 1×1 "zero conv" per
 * residual (`controlnet_down_blocks.<i>`, `controlnet_mid_block`).
 *
 * It extends the SD package's TinyUNet so the down/mid path is that UNet's by construction;
 * the UNet's up half exists on the object but is never traced, so it is not in the export.
 */
import { Conv2d, Module, ModuleDict, ops as op, silu, type TraceContext, type Value } from '@netsynth/nn';
import { TinyUNet, type TinyUNetConfig } from '@netsynth/generator-stable-diffusion';

/** diffusers ControlNetConditioningEmbedding: RGB control image → c0 channels at latent size. */
export class ConditioningEmbedding extends Module {
  readonly conv_in: Conv2d;
  readonly blocks: Conv2d[];
  readonly conv_out: Conv2d;
  constructor(
    /** Widths of the stages; each step to the next halves the size (SD: 16, 32, 96, 256 → ×8). */
    readonly channels: readonly number[],
    outChannels: number,
    inChannels = 3,
  ) {
    super();
    const c = channels;
    this.conv_in = this.child('conv_in', new Conv2d(inChannels, c[0] as number, 3, { padding: 1 }));
    const blocks = this.child('blocks', new ModuleDict());
    this.blocks = [];
    for (let i = 0; i + 1 < c.length; i++) {
      this.blocks.push(blocks.add(String(2 * i), new Conv2d(c[i] as number, c[i] as number, 3, { padding: 1 })));
      this.blocks.push(blocks.add(String(2 * i + 1), new Conv2d(c[i] as number, c[i + 1] as number, 3, { padding: 1, stride: 2 })));
    }
    this.conv_out = this.child('conv_out', new Conv2d(c[c.length - 1] as number, outChannels, 3, { padding: 1 }));
  }
  forward(ctx: TraceContext, x: Value): Value {
    let h = silu(this.conv_in.forward(ctx, x));
    for (const b of this.blocks) h = silu(b.forward(ctx, h));
    return this.conv_out.forward(ctx, h);
  }
}

export interface TinyControlNetConfig {
  unet: TinyUNetConfig;
  /** Conditioning embedding stage widths; length − 1 stride-2 steps = log2 of the VAE factor (3 for ×8). */
  conditioningChannels: readonly number[];
}

export class TinyControlNet extends TinyUNet {
  readonly controlnet_cond_embedding: ConditioningEmbedding;
  readonly zeroConvs: Conv2d[];
  readonly midZeroConv: Conv2d;

  constructor(readonly controlCfg: TinyControlNetConfig) {
    super(controlCfg.unet);
    const layout = this.residualLayout();
    this.controlnet_cond_embedding = this.child(
      'controlnet_cond_embedding',
      new ConditioningEmbedding(controlCfg.conditioningChannels, controlCfg.unet.blockOut[0]),
    );
    const zc = this.child('controlnet_down_blocks', new ModuleDict());
    this.zeroConvs = layout.down.map((d, i) => zc.add(String(i), new Conv2d(d.channels, d.channels, 1)));
    this.midZeroConv = this.child('controlnet_mid_block', new Conv2d(layout.mid.channels, layout.mid.channels, 1));
  }

  /** Parameters of the ControlNet proper (what an export holds): everything but the UNet's up half. */
  static ownPrefixes = [
    'conv_in.',
    'time_embedding.',
    'down_blocks.',
    'mid_block.',
    'controlnet_cond_embedding.',
    'controlnet_down_blocks.',
    'controlnet_mid_block.',
  ];

  /** The zero convs and the embedding's conv_out: zero at initialisation, as diffusers' zero_module. */
  static zeroInitialised(name: string): boolean {
    return name.startsWith('controlnet_down_blocks.') || name.startsWith('controlnet_mid_block.') || name.startsWith('controlnet_cond_embedding.conv_out.');
  }

  /**
   * The ControlNet forward of diffusers: conv_in(sample) + cond embedding is the first skip,
   * then the UNet's own down and mid blocks; each skip and the mid output go through their
   * zero conv and are multiplied by the conditioning scale.
   */
  controlForward(ctx: TraceContext, sample: Value, timestep: Value, context: Value, cond: Value, scale: Value | null): { down: Value[]; mid: Value } {
    const temb = this.timeEmbedding(ctx, timestep);
    const s0 = op.add(this.conv_in.forward(ctx, sample), this.controlnet_cond_embedding.forward(ctx, cond));
    const s1 = this.d0attn.forward(ctx, this.d0res.forward(ctx, s0, temb), context);
    const s2 = this.d0down.forward(ctx, s1);
    const s3 = this.d1res.forward(ctx, s2, temb);
    const skips = [s0, s1, s2, s3];
    if (skips.length !== this.zeroConvs.length)
      throw new Error(`the tiny UNet's layout has ${this.zeroConvs.length} residuals, the ControlNet path made ${skips.length}`);
    const mid = this.mid(ctx, s3, temb, context);
    const scaled = (v: Value): Value => (scale ? op.mul(v, scale) : v);
    return {
      down: skips.map((s, i) => scaled((this.zeroConvs[i] as Conv2d).forward(ctx, s))),
      mid: scaled(this.midZeroConv.forward(ctx, mid)),
    };
  }
}
