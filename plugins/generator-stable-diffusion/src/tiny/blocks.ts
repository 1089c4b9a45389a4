/**
 * Building blocks of the tiny Stable Diffusion models, written with @netsynth/nn modules and
 * named exactly as diffusers names them (`down_blocks.0.attentions.0.transformer_blocks.0.
 * attn1.to_q.weight`, `to_out.0`, `ff.net.0.proj`, `time_emb_proj`...), so the exported ONNX
 * graphs carry the same initializer and node names as a real SD export and LoRA files map
 * onto them the same way.
 */
import { Conv2d, LayerNorm, Linear, Module, ops as op, silu, type Parameter, type TraceContext, type Value } from '@netsynth/nn';

/** A module whose children are called by index names chosen by the owner ("0", "2"...). */
export class Container extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.child(name, m);
  }
  forward(): Value {
    throw new Error('a Container is not callable');
  }
}

/**
 * GroupNorm that exports as the TorchScript exporter writes torch.nn.GroupNorm — Reshape to
 * [N, G, −1] → InstanceNormalization (unit scale) → Reshape back → per-channel Mul, Add — when
 * traced by `traceNamed` (so the tiny files look like a real SD export and keep a dynamic batch
 * axis). In any other graph (nn training graphs, e.g. a ControlNet trained from these blocks)
 * the normalisation is LayerNormalization over the same [N, G, −1] view, which nn can
 * differentiate (it has no InstanceNormalization gradient); both compute the same values.
 */
export class GroupNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.param('weight', [channels], { kind: 'ones' });
    this.bias = this.param('bias', [channels], { kind: 'zeros' });
  }
  forward(ctx: TraceContext, x: Value): Value {
    const g = x.graph;
    const G = this.groups;
    const xg = op.reshape(x, [0, G, -1]);
    const n = isTorchExport(ctx)
      ? g.add1('InstanceNormalization', [xg, g.floats(new Float32Array(G).fill(1), [G]), g.floats(new Float32Array(G), [G])], xg.shape, {
          epsilon: { float: this.eps },
        })
      : op.layerNormalization(xg, g.floats([1], [1]), null, 2, this.eps)[0];
    const shape = [this.channels, ...new Array<number>(x.rank - 2).fill(1)];
    const y = op.reshape(n, [0, ...x.shape.slice(1)]);
    return op.add(op.mul(y, op.reshape(ctx.param(this.weight), shape)), op.reshape(ctx.param(this.bias), shape));
  }
}

/** Marks a trace context as a TorchScript-style export (set by traceNamed). */
export const TORCH_EXPORT = Symbol.for('netsynth.sd.torchExport');
export function isTorchExport(ctx: TraceContext): boolean {
  return (ctx as unknown as Record<symbol, unknown>)[TORCH_EXPORT] === true;
}

export class ResnetBlock2D extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly time_emb_proj: Linear | undefined;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly conv_shortcut: Conv2d | undefined;
  constructor(cin: number, cout: number, temb: number, groups: number) {
    super();
    this.norm1 = this.child('norm1', new GroupNorm(groups, cin));
    this.conv1 = this.child('conv1', new Conv2d(cin, cout, 3, { padding: 1 }));
    // temb 0: no time input (VAE resnets, as diffusers' temb_channels=None).
    this.time_emb_proj = temb > 0 ? this.child('time_emb_proj', new Linear(temb, cout)) : undefined;
    this.norm2 = this.child('norm2', new GroupNorm(groups, cout));
    this.conv2 = this.child('conv2', new Conv2d(cout, cout, 3, { padding: 1 }));
    this.conv_shortcut = cin !== cout ? this.child('conv_shortcut', new Conv2d(cin, cout, 1)) : undefined;
  }
  /** `tembAct` = SiLU(time embedding) [B, temb]; pass null for blocks without time input (VAE). */
  forward(ctx: TraceContext, x: Value, tembAct?: Value): Value {
    let h = this.conv1.forward(ctx, silu(this.norm1.forward(ctx, x)));
    if (tembAct && this.time_emb_proj) h = op.add(h, op.reshape(this.time_emb_proj.forward(ctx, tembAct), [0, 0, 1, 1]));
    h = this.conv2.forward(ctx, silu(this.norm2.forward(ctx, h)));
    return op.add(this.conv_shortcut ? this.conv_shortcut.forward(ctx, x) : x, h);
  }
}

/** diffusers Attention: to_q/to_k/to_v without bias, to_out.0 with bias. */
export class Attention extends Module {
  readonly to_q: Linear;
  readonly to_k: Linear;
  readonly to_v: Linear;
  readonly to_out: Container;
  readonly out: Linear;
  constructor(
    readonly dim: number,
    readonly heads: number,
    contextDim = dim,
  ) {
    super();
    this.to_q = this.child('to_q', new Linear(dim, dim, { bias: false }));
    this.to_k = this.child('to_k', new Linear(contextDim, dim, { bias: false }));
    this.to_v = this.child('to_v', new Linear(contextDim, dim, { bias: false }));
    this.to_out = this.child('to_out', new Container());
    this.out = this.to_out.add('0', new Linear(dim, dim));
  }
  forward(ctx: TraceContext, x: Value, context?: Value): Value {
    const c = context ?? x;
    const h = this.heads;
    const dh = this.dim / h;
    const split = (t: Value): Value => op.transpose(op.reshape(t, [0, 0, h, dh]), [0, 2, 1, 3]);
    const q = split(this.to_q.forward(ctx, x));
    const k = split(this.to_k.forward(ctx, c));
    const v = split(this.to_v.forward(ctx, c));
    const a = op.softmax(op.matmul(q, k, { transB: true, alpha: 1 / Math.sqrt(dh) }), -1);
    const o = op.reshape(op.transpose(op.matmul(a, v), [0, 2, 1, 3]), [0, 0, this.dim]);
    return this.out.forward(ctx, o);
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
    const net = this.child('net', new Container());
    const geglu = net.add('0', new Container());
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
  readonly attn1: Attention;
  readonly norm2: LayerNorm;
  readonly attn2: Attention;
  readonly norm3: LayerNorm;
  readonly ff: FeedForward;
  constructor(dim: number, heads: number, contextDim: number) {
    super();
    this.norm1 = this.child('norm1', new LayerNorm(dim));
    this.attn1 = this.child('attn1', new Attention(dim, heads));
    this.norm2 = this.child('norm2', new LayerNorm(dim));
    this.attn2 = this.child('attn2', new Attention(dim, heads, contextDim));
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
    this.block = this.child('transformer_blocks', new Container()).add('0', new BasicTransformerBlock(channels, heads, contextDim));
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
