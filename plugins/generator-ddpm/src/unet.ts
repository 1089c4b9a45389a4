/**
 * The denoising U-Net, for images (dims 2: Conv2d) and series (dims 1: Conv1d), built from
 * packages/nn layers: GroupNorm+SiLU residual blocks with a time(+label) embedding and
 * dropout, self-attention at chosen resolutions and in the bottleneck, strided-conv
 * downsampling, nearest upsampling + conv, skip concatenation (the DDPM / NetDiffus layout).
 * Labels index an embedding with one extra row, the null label of classifier-free guidance.
 */
import { InvalidArgumentError } from '@netsynth/core';
import {
  Conv1d,
  Conv2d,
  Dropout,
  Embedding,
  GroupNorm,
  Linear,
  Module,
  ModuleList,
  Sequential,
  SiLU,
  Upsample,
  ops as op,
  silu,
  timestepEmbedding,
  type TraceContext,
  type Value,
} from '@netsynth/nn';

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

function conv(dims: 1 | 2, cin: number, cout: number, k: number, o: { stride?: number; padding?: number } = {}): Module {
  return dims === 2 ? new Conv2d(cin, cout, k, o) : new Conv1d(cin, cout, k, o);
}

class ResBlock extends Module {
  readonly n1: GroupNorm;
  readonly c1: Module;
  readonly t: Linear;
  readonly n2: GroupNorm;
  readonly drop: Dropout;
  readonly c2: Module;
  readonly skip: Module | undefined;
  constructor(
    readonly dims: 1 | 2,
    cin: number,
    readonly cout: number,
    tdim: number,
    groups: number,
    dropout: number,
  ) {
    super();
    this.n1 = this.child('n1', new GroupNorm(groups, cin));
    this.c1 = this.child('c1', conv(dims, cin, cout, 3, { padding: 1 }));
    this.t = this.child('t', new Linear(tdim, cout));
    this.n2 = this.child('n2', new GroupNorm(groups, cout));
    this.drop = new Dropout(dropout);
    this.c2 = this.child('c2', conv(dims, cout, cout, 3, { padding: 1 }));
    this.skip = cin !== cout ? this.child('skip', conv(dims, cin, cout, 1)) : undefined;
  }
  forward(ctx: TraceContext, x: Value, tact?: Value): Value {
    if (!tact) throw new InvalidArgumentError('ResBlock needs the time embedding');
    let h = this.c1.forward(ctx, silu(this.n1.forward(ctx, x)));
    const t = this.t.forward(ctx, tact);
    h = op.add(h, op.reshape(t, this.dims === 2 ? [0, this.cout, 1, 1] : [0, this.cout, 1]));
    h = this.c2.forward(ctx, this.drop.forward(ctx, silu(this.n2.forward(ctx, h))));
    return op.add(h, this.skip ? this.skip.forward(ctx, x) : x);
  }
}

/** Single-head self-attention over every position of a [N, C, …] map, 1×1 conv projections. */
class Attention extends Module {
  readonly n: GroupNorm;
  readonly qkv: Module;
  readonly o: Module;
  constructor(
    dims: 1 | 2,
    readonly ch: number,
    groups: number,
  ) {
    super();
    this.n = this.child('n', new GroupNorm(groups, ch));
    this.qkv = this.child('qkv', conv(dims, ch, 3 * ch, 1));
    this.o = this.child('o', conv(dims, ch, ch, 1));
  }
  forward(ctx: TraceContext, x: Value): Value {
    const c = this.ch;
    const spatial = x.shape.slice(2);
    const len = spatial.reduce((a, b) => a * b, 1);
    const qkv = op.reshape(this.qkv.forward(ctx, this.n.forward(ctx, x)), [0, 3 * c, len]);
    const [q, k, v] = op.split(qkv, [c, c, c], 1) as [Value, Value, Value];
    const a = op.softmax(op.matmul(q, k, { transA: true, alpha: 1 / Math.sqrt(c) }), -1);
    const y = op.reshape(op.matmul(v, a, { transB: true }), [0, c, ...spatial]);
    return op.add(x, this.o.forward(ctx, y));
  }
}

type Kind = 'res' | 'attn' | 'down' | 'up';

export class DenoiserUNet extends Module {
  readonly temb: Sequential;
  readonly cemb: Embedding;
  readonly inc: Module;
  readonly down: ModuleList;
  readonly mid: ModuleList;
  readonly up: ModuleList;
  readonly out: Sequential;
  private readonly downKinds: Kind[] = [];
  private readonly upKinds: Kind[] = [];

  constructor(readonly spec: DenoiserSpec) {
    super();
    const { dims, channels: ch, channelMults: mults, blocksPerLevel: blocks, groups, dropout } = spec;
    const levels = mults.length;
    for (const s of spec.size) {
      if (s % 2 ** (levels - 1)) throw new InvalidArgumentError(`size ${spec.size.join('×')} cannot be halved ${levels - 1} times`);
    }
    for (const m of mults)
      if ((ch * m) % groups)
        throw new InvalidArgumentError(`channels ${ch}·${m} not divisible into ${groups} groups`, { configPath: 'generator.options.groups' });
    const tdim = ch * 4;
    this.temb = this.child('temb', new Sequential([new Linear(ch, tdim), new SiLU(), new Linear(tdim, tdim)]));
    this.cemb = this.child('cemb', new Embedding(spec.classes + 1, tdim));
    this.inc = this.child('inc', conv(dims, spec.inChannels, ch, 3, { padding: 1 }));
    const attnAt = new Set(spec.attentionResolutions);
    let r = spec.size[0] as number;
    const down: Module[] = [];
    const chans = [ch];
    let cur = ch;
    mults.forEach((m, i) => {
      for (let b = 0; b < blocks; b++) {
        down.push(new ResBlock(dims, cur, ch * m, tdim, groups, dropout));
        this.downKinds.push('res');
        cur = ch * m;
        if (attnAt.has(r)) {
          down.push(new Attention(dims, cur, groups));
          this.downKinds.push('attn');
        }
        chans.push(cur);
      }
      if (i < levels - 1) {
        down.push(conv(dims, cur, cur, 3, { stride: 2, padding: 1 }));
        this.downKinds.push('down');
        chans.push(cur);
        r /= 2;
      }
    });
    this.down = this.child('down', new ModuleList(down));
    const mid: Module[] = [new ResBlock(dims, cur, cur, tdim, groups, dropout)];
    if (spec.midAttention) mid.push(new Attention(dims, cur, groups));
    mid.push(new ResBlock(dims, cur, cur, tdim, groups, dropout));
    this.mid = this.child('mid', new ModuleList(mid));
    const up: Module[] = [];
    for (let i = levels - 1; i >= 0; i--) {
      const m = mults[i] as number;
      for (let b = 0; b < blocks + 1; b++) {
        up.push(new ResBlock(dims, cur + (chans.pop() as number), ch * m, tdim, groups, dropout));
        this.upKinds.push('res');
        cur = ch * m;
        if (attnAt.has(r)) {
          up.push(new Attention(dims, cur, groups));
          this.upKinds.push('attn');
        }
      }
      if (i > 0) {
        up.push(new Upsample(2), conv(dims, cur, cur, 3, { padding: 1 }));
        this.upKinds.push('up', 'up');
        r *= 2;
      }
    }
    this.up = this.child('up', new ModuleList(up));
    this.out = this.child('out', new Sequential([new GroupNorm(groups, cur), new SiLU(), conv(dims, cur, spec.inChannels, 3, { padding: 1 })]));
  }

  /** The last conv starts at zero (DDPM practice): the untrained net predicts 0. */
  zeroOutput(): void {
    for (const [name, p] of this.namedParameters()) if (name.startsWith('out.2.')) p.data.fill(0);
  }

  /** x [B, C, …spatial], t [B] float timesteps, y [B] int64 labels (classes = null label). */
  forward(ctx: TraceContext, x: Value, t?: Value, y?: Value): Value {
    if (!t || !y) throw new InvalidArgumentError('the denoiser needs timesteps and labels');
    const temb = op.add(this.temb.forward(ctx, timestepEmbedding(t, this.spec.channels)), this.cemb.forward(ctx, y));
    const tact = silu(temb);
    let h = this.inc.forward(ctx, x);
    const hs: Value[] = [h];
    this.down.items.forEach((mod, i) => {
      const kind = this.downKinds[i];
      if (kind === 'res') {
        h = mod.forward(ctx, h, tact);
        hs.push(h);
      } else if (kind === 'attn') {
        h = mod.forward(ctx, h);
        hs[hs.length - 1] = h;
      } else {
        h = mod.forward(ctx, h);
        hs.push(h);
      }
    });
    for (const mod of this.mid.items) h = mod instanceof ResBlock ? mod.forward(ctx, h, tact) : mod.forward(ctx, h);
    this.up.items.forEach((mod, i) => {
      if (this.upKinds[i] === 'res') h = mod.forward(ctx, op.concat([h, hs.pop() as Value], 1), tact);
      else h = mod.forward(ctx, h);
    });
    return this.out.forward(ctx, h);
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
