/**
 * Building blocks of the tiny Stable Diffusion models, written with @netsynth/nn modules and
 * named exactly as diffusers names them (`down_blocks.0.attentions.0.transformer_blocks.0.
 * attn1.to_q.weight`, `to_out.0`, `ff.net.0.proj`, `time_emb_proj`...), so the exported ONNX
 * graphs carry the same initializer and node names as a real SD export and LoRA files map
 * onto them the same way. GroupNorm, the residual block and attention are @netsynth/nn's
 * (under diffusers names); what is SD-only — GEGLU, the transformer block, Transformer2D,
 * the flipped sinusoidal embedding — is here.
 */
import { Conv2d, LayerNorm, Linear, Module, ModuleDict, MultiHeadAttention, GroupNorm, ResBlock, ops as op, type TraceContext, type Value } from '@netsynth/nn';

/** diffusers ResnetBlock2D: nn's residual block under diffusers names; temb 0 = no time input (VAE resnets). */
export class ResnetBlock2D extends ResBlock {
  constructor(cin: number, cout: number, temb: number, groups: number) {
    super(cin, cout, temb, groups, { names: 'diffusers' });
  }
}

/** GEGLU feed-forward: ff.net.0.proj (dim → 2·inner), gelu gate, ff.net.2 (inner → dim). */
export class FeedForward extends Module {
  readonly proj: Linear;
  readonly outProj: Linear;
  constructor(
    dim: number,
    readonly inner: number,
  ) {
    super();
    const net = this.child('net', new ModuleDict());
    const geglu = net.add('0', new ModuleDict());
    this.proj = geglu.add('proj', new Linear(dim, 2 * inner));
    this.outProj = net.add('2', new Linear(inner, dim));
  }
  forward(ctx: TraceContext, x: Value): Value {
    const [a, gate] = op.split(this.proj.forward(ctx, x), [this.inner, this.inner], -1) as [Value, Value];
    const g = op.mul(op.mul(gate, 0.5), op.add(op.erf(op.mul(gate, Math.SQRT1_2)), 1));
    return this.outProj.forward(ctx, op.mul(a, g));
  }
}

export class BasicTransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn1: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly attn2: MultiHeadAttention;
  readonly norm3: LayerNorm;
  readonly ff: FeedForward;
  constructor(dim: number, heads: number, contextDim: number) {
    super();
    this.norm1 = this.child('norm1', new LayerNorm(dim));
    this.attn1 = this.child('attn1', new MultiHeadAttention(dim, { heads }));
    this.norm2 = this.child('norm2', new LayerNorm(dim));
    this.attn2 = this.child('attn2', new MultiHeadAttention(dim, { heads, contextDim }));
    this.norm3 = this.child('norm3', new LayerNorm(dim));
    this.ff = this.child('ff', new FeedForward(dim, dim * 4));
  }
  forward(ctx: TraceContext, x: Value, context: Value): Value {
    let h = op.add(x, this.attn1.forward(ctx, this.norm1.forward(ctx, x)));
    h = op.add(h, this.attn2.forward(ctx, this.norm2.forward(ctx, h), context));
    return op.add(h, this.ff.forward(ctx, this.norm3.forward(ctx, h)));
  }
}

/** Transformer2DModel (SD 1.x): GroupNorm, 1×1 conv proj_in, one transformer block, 1×1 conv proj_out, residual. */
export class Transformer2D extends Module {
  readonly norm: GroupNorm;
  readonly proj_in: Conv2d;
  readonly block: BasicTransformerBlock;
  readonly proj_out: Conv2d;
  constructor(
    readonly channels: number,
    heads: number,
    contextDim: number,
    groups: number,
  ) {
    super();
    this.norm = this.child('norm', new GroupNorm(groups, channels, 1e-6));
    this.proj_in = this.child('proj_in', new Conv2d(channels, channels, 1));
    this.block = this.child('transformer_blocks', new ModuleDict()).add('0', new BasicTransformerBlock(channels, heads, contextDim));
    this.proj_out = this.child('proj_out', new Conv2d(channels, channels, 1));
  }
  forward(ctx: TraceContext, x: Value, context: Value): Value {
    const [, c, hh, ww] = x.shape as [number, number, number, number];
    let h = this.proj_in.forward(ctx, this.norm.forward(ctx, x));
    h = op.reshape(op.transpose(h, [0, 2, 3, 1]), [0, hh * ww, c]);
    h = this.block.forward(ctx, h, context);
    h = op.transpose(op.reshape(h, [0, hh, ww, c]), [0, 3, 1, 2]);
    return op.add(this.proj_out.forward(ctx, h), x);
  }
}

/** diffusers get_timestep_embedding with flip_sin_to_cos=True, downscale_freq_shift=0: [cos, sin]. */
export function sdTimestepEmbedding(t: Value, dim: number): Value {
  const half = Math.floor(dim / 2);
  const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const args = op.mul(op.reshape(t, [-1, 1]), t.graph.floats(freqs, [1, half]));
  return op.concat([op.cos(args), op.sin(args)], 1);
}
