/**
 * The tiny Stable Diffusion components: a UNet2DConditionModel with the SD 1.x layout
 * (CrossAttnDownBlock → DownBlock, cross-attention mid block, UpBlock → CrossAttnUpBlock)
 * at toy width, a CLIP-like text encoder, and a VAE encoder/decoder with the ×8 spatial
 * factor. Same module names, inputs and outputs as an SD export; only the sizes differ.
 */
import { Conv2d, Embedding, GroupNorm, LayerNorm, Linear, Module, ModuleDict, ops as op, silu, type TraceContext, type Value } from '@netsynth/nn';
import { ResnetBlock2D, Transformer2D, sdTimestepEmbedding } from './blocks.js';

export interface TinyUNetConfig {
  /** Channels of the two resolution levels (SD 1.5: 320, 640, 1280, 1280). */
  blockOut: [number, number];
  crossDim: number;
  heads: number;
  groups: number;
  latentChannels: number;
}

class Downsample extends Module {
  readonly conv: Conv2d;
  constructor(ch: number) {
    super();
    this.conv = this.child('conv', new Conv2d(ch, ch, 3, { stride: 2, padding: 1 }));
  }
  forward(ctx: TraceContext, x: Value): Value {
    return this.conv.forward(ctx, x);
  }
}

class Upsample extends Module {
  readonly conv: Conv2d;
  constructor(ch: number) {
    super();
    this.conv = this.child('conv', new Conv2d(ch, ch, 3, { padding: 1 }));
  }
  forward(ctx: TraceContext, x: Value): Value {
    return this.conv.forward(ctx, op.resizeNearest(x, 2));
  }
}

/** Residual inputs of one UNet call (ControlNet), or none. */
export interface UNetResidualValues {
  down: Value[];
  mid: Value;
}

export class TinyUNet extends Module {
  readonly conv_in: Conv2d;
  readonly linear_1: Linear;
  readonly linear_2: Linear;
  readonly d0res: ResnetBlock2D;
  readonly d0attn: Transformer2D;
  readonly d0down: Downsample;
  readonly d1res: ResnetBlock2D;
  readonly midRes0: ResnetBlock2D;
  readonly midAttn: Transformer2D;
  readonly midRes1: ResnetBlock2D;
  readonly u0res: ResnetBlock2D[];
  readonly u0up: Upsample;
  readonly u1res: ResnetBlock2D[];
  readonly u1attn: Transformer2D[];
  readonly conv_norm_out: GroupNorm;
  readonly conv_out: Conv2d;
  readonly tembDim: number;

  constructor(readonly cfg: TinyUNetConfig) {
    super();
    const [c0, c1] = cfg.blockOut;
    const g = cfg.groups;
    const temb = c0 * 4;
    this.tembDim = temb;
    this.conv_in = this.child('conv_in', new Conv2d(cfg.latentChannels, c0, 3, { padding: 1 }));
    const te = this.child('time_embedding', new ModuleDict());
    this.linear_1 = te.add('linear_1', new Linear(c0, temb));
    this.linear_2 = te.add('linear_2', new Linear(temb, temb));
    const down = this.child('down_blocks', new ModuleDict());
    const d0 = down.add('0', new ModuleDict());
    this.d0res = d0.add('resnets', new ModuleDict()).add('0', new ResnetBlock2D(c0, c0, temb, g));
    this.d0attn = d0.add('attentions', new ModuleDict()).add('0', new Transformer2D(c0, cfg.heads, cfg.crossDim, g));
    this.d0down = d0.add('downsamplers', new ModuleDict()).add('0', new Downsample(c0));
    const d1 = down.add('1', new ModuleDict());
    this.d1res = d1.add('resnets', new ModuleDict()).add('0', new ResnetBlock2D(c0, c1, temb, g));
    const mid = this.child('mid_block', new ModuleDict());
    const midRes = mid.add('resnets', new ModuleDict());
    this.midRes0 = midRes.add('0', new ResnetBlock2D(c1, c1, temb, g));
    this.midAttn = mid.add('attentions', new ModuleDict()).add('0', new Transformer2D(c1, cfg.heads, cfg.crossDim, g));
    this.midRes1 = midRes.add('1', new ResnetBlock2D(c1, c1, temb, g));
    const up = this.child('up_blocks', new ModuleDict());
    const u0 = up.add('0', new ModuleDict());
    const u0r = u0.add('resnets', new ModuleDict());
    this.u0res = [u0r.add('0', new ResnetBlock2D(c1 + c1, c1, temb, g)), u0r.add('1', new ResnetBlock2D(c1 + c0, c1, temb, g))];
    this.u0up = u0.add('upsamplers', new ModuleDict()).add('0', new Upsample(c1));
    const u1 = up.add('1', new ModuleDict());
    const u1r = u1.add('resnets', new ModuleDict());
    const u1a = u1.add('attentions', new ModuleDict());
    this.u1res = [u1r.add('0', new ResnetBlock2D(c1 + c0, c0, temb, g)), u1r.add('1', new ResnetBlock2D(c0 + c0, c0, temb, g))];
    this.u1attn = [u1a.add('0', new Transformer2D(c0, cfg.heads, cfg.crossDim, g)), u1a.add('1', new Transformer2D(c0, cfg.heads, cfg.crossDim, g))];
    this.conv_norm_out = this.child('conv_norm_out', new GroupNorm(g, c0));
    this.conv_out = this.child('conv_out', new Conv2d(c0, cfg.latentChannels, 3, { padding: 1 }));
  }

  /** Channels and spatial divisor of the down residuals and the mid residual, in input order. */
  residualLayout(): { down: { channels: number; factor: number }[]; mid: { channels: number; factor: number } } {
    const [c0, c1] = this.cfg.blockOut;
    return {
      down: [
        { channels: c0, factor: 1 },
        { channels: c0, factor: 1 },
        { channels: c0, factor: 2 },
        { channels: c1, factor: 2 },
      ],
      mid: { channels: c1, factor: 2 },
    };
  }

  /** Time embedding after SiLU, shared by all resnets. */
  timeEmbedding(ctx: TraceContext, timestep: Value): Value {
    const t = sdTimestepEmbedding(timestep, this.cfg.blockOut[0]);
    return silu(this.linear_2.forward(ctx, silu(this.linear_1.forward(ctx, t))));
  }

  /** The down path: skip tensors (conv_in, block-0 layer, downsampler, block-1 layer) and the last hidden state. */
  encode(ctx: TraceContext, sample: Value, tembAct: Value, context: Value): Value[] {
    const s0 = this.conv_in.forward(ctx, sample);
    const s1 = this.d0attn.forward(ctx, this.d0res.forward(ctx, s0, tembAct), context);
    const s2 = this.d0down.forward(ctx, s1);
    const s3 = this.d1res.forward(ctx, s2, tembAct);
    return [s0, s1, s2, s3];
  }

  mid(ctx: TraceContext, h: Value, tembAct: Value, context: Value): Value {
    return this.midRes1.forward(ctx, this.midAttn.forward(ctx, this.midRes0.forward(ctx, h, tembAct), context), tembAct);
  }

  /** `res`: ControlNet residuals down_0..N-1 then mid (all or none). */
  forward(ctx: TraceContext, sample: Value, timestep: Value, context: Value, ...res: Value[]): Value {
    return this.forwardWith(ctx, sample, timestep, context, res.length ? { down: res.slice(0, -1), mid: res[res.length - 1] as Value } : undefined);
  }

  forwardWith(ctx: TraceContext, sample: Value, timestep: Value, context: Value, residuals?: UNetResidualValues): Value {
    const temb = this.timeEmbedding(ctx, timestep);
    let skips = this.encode(ctx, sample, temb, context);
    let h = this.mid(ctx, skips[3] as Value, temb, context);
    if (residuals) {
      skips = skips.map((s, i) => op.add(s, residuals.down[i] as Value));
      h = op.add(h, residuals.mid);
    }
    const pop = (): Value => skips.pop() as Value;
    for (const r of this.u0res) h = r.forward(ctx, op.concat([h, pop()], 1), temb);
    h = this.u0up.forward(ctx, h);
    this.u1res.forEach((r, i) => {
      h = (this.u1attn[i] as Transformer2D).forward(ctx, r.forward(ctx, op.concat([h, pop()], 1), temb), context);
    });
    return this.conv_out.forward(ctx, silu(this.conv_norm_out.forward(ctx, h)));
  }
}

class ClipMlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(dim: number) {
    super();
    this.fc1 = this.child('fc1', new Linear(dim, dim * 4));
    this.fc2 = this.child('fc2', new Linear(dim * 4, dim));
  }
  forward(ctx: TraceContext, x: Value): Value {
    const h = this.fc1.forward(ctx, x);
    // quick_gelu: x·σ(1.702x), as CLIP.
    return this.fc2.forward(ctx, op.mul(h, op.sigmoid(op.mul(h, 1.702))));
  }
}

class ClipSelfAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly out_proj: Linear;
  constructor(
    readonly dim: number,
    readonly heads: number,
  ) {
    super();
    this.q_proj = this.child('q_proj', new Linear(dim, dim));
    this.k_proj = this.child('k_proj', new Linear(dim, dim));
    this.v_proj = this.child('v_proj', new Linear(dim, dim));
    this.out_proj = this.child('out_proj', new Linear(dim, dim));
  }
  forward(ctx: TraceContext, x: Value, mask: Value): Value {
    const h = this.heads;
    const dh = this.dim / h;
    const split = (t: Value): Value => op.transpose(op.reshape(t, [0, 0, h, dh]), [0, 2, 1, 3]);
    const scores = op.add(op.matmul(split(this.q_proj.forward(ctx, x)), split(this.k_proj.forward(ctx, x)), { transB: true, alpha: 1 / Math.sqrt(dh) }), mask);
    const o = op.matmul(op.softmax(scores, -1), split(this.v_proj.forward(ctx, x)));
    return this.out_proj.forward(ctx, op.reshape(op.transpose(o, [0, 2, 1, 3]), [0, 0, this.dim]));
  }
}

class ClipLayer extends Module {
  readonly layer_norm1: LayerNorm;
  readonly self_attn: ClipSelfAttention;
  readonly layer_norm2: LayerNorm;
  readonly mlp: ClipMlp;
  constructor(dim: number, heads: number) {
    super();
    this.layer_norm1 = this.child('layer_norm1', new LayerNorm(dim));
    this.self_attn = this.child('self_attn', new ClipSelfAttention(dim, heads));
    this.layer_norm2 = this.child('layer_norm2', new LayerNorm(dim));
    this.mlp = this.child('mlp', new ClipMlp(dim));
  }
  forward(ctx: TraceContext, x: Value, mask: Value): Value {
    const h = op.add(x, this.self_attn.forward(ctx, this.layer_norm1.forward(ctx, x), mask));
    return op.add(h, this.mlp.forward(ctx, this.layer_norm2.forward(ctx, h)));
  }
}

/** CLIPTextModel at toy size: token + position embeddings, causal pre-LN layers, final LayerNorm. */
export class TinyClipText extends Module {
  readonly token: Embedding;
  readonly position: Embedding;
  readonly layers: ClipLayer[];
  readonly final_layer_norm: LayerNorm;
  constructor(
    readonly vocab: number,
    readonly dim: number,
    readonly maxLength: number,
    depth: number,
    heads: number,
  ) {
    super();
    const tm = this.child('text_model', new ModuleDict());
    const emb = tm.add('embeddings', new ModuleDict());
    this.token = emb.add('token_embedding', new Embedding(vocab, dim));
    this.position = emb.add('position_embedding', new Embedding(maxLength, dim));
    const layers = tm.add('encoder', new ModuleDict()).add('layers', new ModuleDict());
    this.layers = Array.from({ length: depth }, (_, i) => layers.add(String(i), new ClipLayer(dim, heads)));
    this.final_layer_norm = tm.add('final_layer_norm', new LayerNorm(dim));
  }
  forward(ctx: TraceContext, ids: Value): Value {
    const g = ids.graph;
    const L = this.maxLength;
    const pos = g.constant({ dtype: 'int64', shape: [L], data: BigInt64Array.from({ length: L }, (_, i) => BigInt(i)) }, 'position_ids');
    let h = op.add(this.token.forward(ctx, ids), this.position.forward(ctx, pos));
    const mask = new Float32Array(L * L);
    for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) mask[i * L + j] = -1e9;
    const m = g.floats(mask, [1, 1, L, L]);
    for (const l of this.layers) h = l.forward(ctx, h, m);
    return this.final_layer_norm.forward(ctx, h);
  }
}

/** VAE encoder: conv_in, three stride-2 stages, a resnet, norm, conv_out to 2·latent channels, quant_conv. */
export class TinyVaeEncoder extends Module {
  readonly conv_in: Conv2d;
  readonly downs: Conv2d[];
  readonly res: ResnetBlock2D;
  readonly conv_norm_out: GroupNorm;
  readonly conv_out: Conv2d;
  readonly quant_conv: Conv2d;
  constructor(ch: number, latent: number, groups: number) {
    super();
    const enc = this.child('encoder', new ModuleDict());
    this.conv_in = enc.add('conv_in', new Conv2d(3, ch, 3, { padding: 1 }));
    const db = enc.add('down_blocks', new ModuleDict());
    this.downs = [0, 1, 2].map((i) =>
      db
        .add(String(i), new ModuleDict())
        .add('downsamplers', new ModuleDict())
        .add('0', new ModuleDict())
        .add('conv', new Conv2d(ch, ch, 3, { stride: 2, padding: 1 })),
    );
    this.res = enc
      .add('mid_block', new ModuleDict())
      .add('resnets', new ModuleDict())
      .add('0', new ResnetBlock2D(ch, ch, 0, groups));
    this.conv_norm_out = enc.add('conv_norm_out', new GroupNorm(groups, ch));
    this.conv_out = enc.add('conv_out', new Conv2d(ch, 2 * latent, 3, { padding: 1 }));
    this.quant_conv = this.child('quant_conv', new Conv2d(2 * latent, 2 * latent, 1));
  }
  forward(ctx: TraceContext, x: Value): Value {
    let h = this.conv_in.forward(ctx, x);
    for (const d of this.downs) h = silu(d.forward(ctx, h));
    h = this.res.forward(ctx, h);
    return this.quant_conv.forward(ctx, this.conv_out.forward(ctx, silu(this.conv_norm_out.forward(ctx, h))));
  }
}

/** VAE decoder: post_quant_conv, conv_in, a resnet, three nearest-×2 + conv stages, norm, conv_out to RGB. */
export class TinyVaeDecoder extends Module {
  readonly post_quant_conv: Conv2d;
  readonly conv_in: Conv2d;
  readonly res: ResnetBlock2D;
  readonly ups: Conv2d[];
  readonly conv_norm_out: GroupNorm;
  readonly conv_out: Conv2d;
  constructor(ch: number, latent: number, groups: number) {
    super();
    this.post_quant_conv = this.child('post_quant_conv', new Conv2d(latent, latent, 1));
    const dec = this.child('decoder', new ModuleDict());
    this.conv_in = dec.add('conv_in', new Conv2d(latent, ch, 3, { padding: 1 }));
    this.res = dec
      .add('mid_block', new ModuleDict())
      .add('resnets', new ModuleDict())
      .add('0', new ResnetBlock2D(ch, ch, 0, groups));
    const ub = dec.add('up_blocks', new ModuleDict());
    this.ups = [0, 1, 2].map((i) =>
      ub
        .add(String(i), new ModuleDict())
        .add('upsamplers', new ModuleDict())
        .add('0', new ModuleDict())
        .add('conv', new Conv2d(ch, ch, 3, { padding: 1 })),
    );
    this.conv_norm_out = dec.add('conv_norm_out', new GroupNorm(groups, ch));
    this.conv_out = dec.add('conv_out', new Conv2d(ch, 3, 3, { padding: 1 }));
  }
  forward(ctx: TraceContext, z: Value): Value {
    let h = this.conv_in.forward(ctx, this.post_quant_conv.forward(ctx, z));
    h = this.res.forward(ctx, h);
    for (const u of this.ups) h = silu(u.forward(ctx, op.resizeNearest(h, 2)));
    return this.conv_out.forward(ctx, silu(this.conv_norm_out.forward(ctx, h)));
  }
}
