/**
 * The benchmark DDPM U-Net of shared/bench/torch_unet_step.py, layer for layer (same
 * module tree, so the parameter names and count match PyTorch's state_dict): GroupNorm+SiLU
 * residual blocks with a time-embedding projection, self-attention at one resolution,
 * strided-conv downsampling, nearest upsampling + conv, skip concatenation. Optional class
 * conditioning adds a label embedding to the time embedding.
 */
import { InvalidArgumentError } from '@netsynth/core';
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { Conv2d, Embedding, GroupNorm, Linear, ModuleList, Sequential, SiLU, Upsample } from '../layers/basic.js';
import { silu, timestepEmbedding } from '../layers/functional.js';
import { Module, type TraceContext } from '../layers/module.js';

export class ResBlock extends Module {
  readonly n1: GroupNorm;
  readonly c1: Conv2d;
  readonly t: Linear;
  readonly n2: GroupNorm;
  readonly c2: Conv2d;
  readonly skip: Conv2d | undefined;
  constructor(cin: number, cout: number, tdim: number, groups: number) {
    super();
    this.n1 = this.child('n1', new GroupNorm(groups, cin));
    this.c1 = this.child('c1', new Conv2d(cin, cout, 3, { padding: 1 }));
    this.t = this.child('t', new Linear(tdim, cout));
    this.n2 = this.child('n2', new GroupNorm(groups, cout));
    this.c2 = this.child('c2', new Conv2d(cout, cout, 3, { padding: 1 }));
    this.skip = cin !== cout ? this.child('skip', new Conv2d(cin, cout, 1)) : undefined;
  }
  /** `tembAct` is SiLU(time embedding), shared by all blocks. */
  forward(ctx: TraceContext, x: Value, tembAct: Value): Value {
    let h = this.c1.forward(ctx, silu(this.n1.forward(ctx, x)));
    const t = this.t.forward(ctx, tembAct);
    h = op.add(h, op.reshape(t, [0, 0, 1, 1]));
    h = this.c2.forward(ctx, silu(this.n2.forward(ctx, h)));
    return op.add(h, this.skip ? this.skip.forward(ctx, x) : x);
  }
}

/** Single-head spatial self-attention with 1×1 conv projections, as in the DDPM U-Net. */
export class SpatialSelfAttention extends Module {
  readonly n: GroupNorm;
  readonly qkv: Conv2d;
  readonly o: Conv2d;
  constructor(
    readonly channels: number,
    groups: number,
  ) {
    super();
    this.n = this.child('n', new GroupNorm(groups, channels));
    this.qkv = this.child('qkv', new Conv2d(channels, 3 * channels, 1));
    this.o = this.child('o', new Conv2d(channels, channels, 1));
  }
  forward(ctx: TraceContext, x: Value): Value {
    const [, c, h, w] = x.shape as [number, number, number, number];
    const qkv = op.reshape(this.qkv.forward(ctx, this.n.forward(ctx, x)), [0, 3 * c, h * w]);
    const [q, k, v] = op.split(qkv, [c, c, c], 1) as [Value, Value, Value];
    const a = op.softmax(op.matmul(q, k, { transA: true, alpha: 1 / Math.sqrt(c) }), -1);
    const y = op.reshape(op.matmul(v, a, { transB: true }), [0, c, h, w]);
    return op.add(x, this.o.forward(ctx, y));
  }
}

export interface UNetOptions {
  res?: number;
  inChannels?: number;
  ch?: number;
  mults?: readonly number[];
  blocks?: number;
  /** Resolution at which self-attention is applied. */
  attnRes?: number;
  /** Number of classes for class conditioning (0 = unconditional). */
  classes?: number;
  groups?: number;
}

export class UNet extends Module {
  readonly ch: number;
  readonly res: number;
  readonly inChannels: number;
  readonly classes: number;
  readonly temb: Sequential;
  readonly cemb: Embedding | undefined;
  readonly inc: Conv2d;
  readonly down: ModuleList;
  readonly mid: ModuleList;
  readonly up: ModuleList;
  readonly out: Sequential;

  constructor(o: UNetOptions = {}) {
    super();
    const res = o.res ?? 32;
    const inCh = o.inChannels ?? 1;
    const ch = o.ch ?? 32;
    const mults = o.mults ?? [1, 2, 2];
    const blocks = o.blocks ?? 1;
    const attnRes = o.attnRes ?? 8;
    const groups = o.groups ?? 8;
    const classes = o.classes ?? 0;
    if (res % 2 ** (mults.length - 1)) throw new InvalidArgumentError(`resolution ${res} cannot be halved ${mults.length - 1} times`);
    this.ch = ch;
    this.res = res;
    this.inChannels = inCh;
    this.classes = classes;
    const tdim = ch * 4;
    this.temb = this.child('temb', new Sequential([new Linear(ch, tdim), new SiLU(), new Linear(tdim, tdim)]));
    this.cemb = classes ? this.child('cemb', new Embedding(classes, tdim)) : undefined;
    this.inc = this.child('inc', new Conv2d(inCh, ch, 3, { padding: 1 }));
    const down: Module[] = [];
    const chans = [ch];
    let cur = ch;
    let r = res;
    mults.forEach((m, i) => {
      for (let b = 0; b < blocks; b++) {
        down.push(new ResBlock(cur, ch * m, tdim, groups));
        cur = ch * m;
        if (r === attnRes) down.push(new SpatialSelfAttention(cur, groups));
        chans.push(cur);
      }
      if (i < mults.length - 1) {
        down.push(new Conv2d(cur, cur, 3, { stride: 2, padding: 1 }));
        chans.push(cur);
        r /= 2;
      }
    });
    this.down = this.child('down', new ModuleList(down));
    this.mid = this.child(
      'mid',
      new ModuleList([new ResBlock(cur, cur, tdim, groups), new SpatialSelfAttention(cur, groups), new ResBlock(cur, cur, tdim, groups)]),
    );
    const up: Module[] = [];
    for (let i = mults.length - 1; i >= 0; i--) {
      const m = mults[i] as number;
      for (let b = 0; b < blocks + 1; b++) {
        up.push(new ResBlock(cur + (chans.pop() as number), ch * m, tdim, groups));
        cur = ch * m;
        if (r === attnRes) up.push(new SpatialSelfAttention(cur, groups));
      }
      if (i > 0) {
        up.push(new Upsample(2));
        up.push(new Conv2d(cur, cur, 3, { padding: 1 }));
        r *= 2;
      }
    }
    this.up = this.child('up', new ModuleList(up));
    this.out = this.child('out', new Sequential([new GroupNorm(groups, cur), new SiLU(), new Conv2d(cur, inCh, 3, { padding: 1 })]));
  }

  /** x [B, C, H, W] float, t [B] float timesteps, y [B] int64 labels (when classes > 0). */
  forward(ctx: TraceContext, x: Value, t: Value, y?: Value): Value {
    let temb = this.temb.forward(ctx, timestepEmbedding(t, this.ch));
    if (this.cemb) {
      if (!y) throw new InvalidArgumentError('this U-Net is class-conditional: pass labels');
      temb = op.add(temb, this.cemb.forward(ctx, y));
    }
    const tact = silu(temb);
    let h = this.inc.forward(ctx, x);
    const hs: Value[] = [h];
    for (const mod of this.down.items) {
      if (mod instanceof ResBlock) {
        h = mod.forward(ctx, h, tact);
        hs.push(h);
      } else if (mod instanceof SpatialSelfAttention) {
        h = mod.forward(ctx, h);
        hs[hs.length - 1] = h;
      } else {
        h = mod.forward(ctx, h);
        hs.push(h);
      }
    }
    for (const mod of this.mid.items) h = mod instanceof ResBlock ? mod.forward(ctx, h, tact) : mod.forward(ctx, h);
    for (const mod of this.up.items) {
      if (mod instanceof ResBlock) h = mod.forward(ctx, op.concat([h, hs.pop() as Value], 1), tact);
      else h = mod.forward(ctx, h);
    }
    return this.out.forward(ctx, h);
  }
}

/** The benchmark U-Net (defaults: res 32, 1 channel, ch 32, mults 1,2,2, one block per level, attention at 8×8). */
export function buildBenchUNet(opts: UNetOptions = {}): UNet {
  return new UNet(opts);
}
