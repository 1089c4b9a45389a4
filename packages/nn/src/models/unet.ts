/**
 * The DDPM U-Net, for images (dims 2) and series (dims 1): GroupNorm+SiLU residual blocks with
 * a time(+label) embedding and dropout, self-attention at chosen resolutions and in the
 * bottleneck, strided-conv downsampling, nearest upsampling + conv, skip concatenation. With
 * its defaults it is the benchmark U-Net of shared/bench/torch_unet_step.py layer for layer
 * (same module tree, so the parameter names and count match PyTorch's state_dict); the DDPM
 * generator builds it with its own spec. Optional class conditioning adds a label embedding
 * to the time embedding.
 */
import { InvalidArgumentError } from '@netsynth/core';
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { Embedding, GroupNorm, Linear, ModuleList, Sequential, SiLU, Upsample } from '../layers/basic.js';
import { silu, timestepEmbedding } from '../layers/functional.js';
import { Module, type TraceContext } from '../layers/module.js';
import { ResBlock, SpatialSelfAttention, convNd, type UNetDims } from './unet-blocks.js';

export interface UNetOptions {
  /** 2 (default): images; 1: series. */
  dims?: UNetDims;
  /** Square resolution (dims 2) or length (dims 1), when `size` is not given (default 32). */
  res?: number;
  /** Spatial size the network runs at: [H, W] (dims 2) or [L] (dims 1); overrides `res`. */
  size?: readonly number[];
  inChannels?: number;
  ch?: number;
  mults?: readonly number[];
  blocks?: number;
  /** Resolution (first spatial side) at which self-attention is applied (default 8). */
  attnRes?: number;
  /** Resolutions with self-attention; overrides `attnRes`. */
  attentionResolutions?: readonly number[];
  /** Self-attention between the two bottleneck blocks (default true). */
  midAttention?: boolean;
  /** Rows of the label embedding (0 = unconditional). */
  classes?: number;
  groups?: number;
  /** Dropout inside the residual blocks (default 0). */
  dropout?: number;
}

type Kind = 'res' | 'attn' | 'other';

export class UNet extends Module {
  readonly ch: number;
  readonly res: number;
  readonly inChannels: number;
  readonly classes: number;
  readonly temb: Sequential;
  readonly cemb: Embedding | undefined;
  readonly inc: Module;
  readonly down: ModuleList;
  readonly mid: ModuleList;
  readonly up: ModuleList;
  readonly out: Sequential;
  private readonly downKinds: Kind[] = [];
  private readonly upKinds: Kind[] = [];

  constructor(o: UNetOptions = {}) {
    super();
    const dims = o.dims ?? 2;
    const size = o.size ?? new Array<number>(dims).fill(o.res ?? 32);
    const inCh = o.inChannels ?? 1;
    const ch = o.ch ?? 32;
    const mults = o.mults ?? [1, 2, 2];
    const blocks = o.blocks ?? 1;
    const attnAt = new Set(o.attentionResolutions ?? [o.attnRes ?? 8]);
    const groups = o.groups ?? 8;
    const classes = o.classes ?? 0;
    const levels = mults.length;
    for (const s of size) if (s % 2 ** (levels - 1)) throw new InvalidArgumentError(`size ${size.join('×')} cannot be halved ${levels - 1} times`);
    this.ch = ch;
    this.res = size[0] as number;
    this.inChannels = inCh;
    this.classes = classes;
    const tdim = ch * 4;
    const block = (cin: number, cout: number): ResBlock => new ResBlock(cin, cout, tdim, groups, { dims, dropout: o.dropout ?? 0 });
    const attention = (c: number): SpatialSelfAttention => new SpatialSelfAttention(c, groups, dims);
    this.temb = this.child('temb', new Sequential([new Linear(ch, tdim), new SiLU(), new Linear(tdim, tdim)]));
    this.cemb = classes ? this.child('cemb', new Embedding(classes, tdim)) : undefined;
    this.inc = this.child('inc', convNd(dims, inCh, ch, 3, { padding: 1 }));
    const down: Module[] = [];
    const push = (list: Module[], kinds: Kind[], m: Module, kind: Kind): void => void (list.push(m), kinds.push(kind));
    const chans = [ch];
    let cur = ch;
    let r = this.res;
    mults.forEach((m, i) => {
      for (let b = 0; b < blocks; b++) {
        push(down, this.downKinds, block(cur, ch * m), 'res');
        cur = ch * m;
        if (attnAt.has(r)) push(down, this.downKinds, attention(cur), 'attn');
        chans.push(cur);
      }
      if (i < levels - 1) {
        push(down, this.downKinds, convNd(dims, cur, cur, 3, { stride: 2, padding: 1 }), 'other');
        chans.push(cur);
        r /= 2;
      }
    });
    this.down = this.child('down', new ModuleList(down));
    const mid: Module[] = [block(cur, cur)];
    if (o.midAttention ?? true) mid.push(attention(cur));
    mid.push(block(cur, cur));
    this.mid = this.child('mid', new ModuleList(mid));
    const up: Module[] = [];
    for (let i = levels - 1; i >= 0; i--) {
      const m = mults[i] as number;
      for (let b = 0; b < blocks + 1; b++) {
        push(up, this.upKinds, block(cur + (chans.pop() as number), ch * m), 'res');
        cur = ch * m;
        if (attnAt.has(r)) push(up, this.upKinds, attention(cur), 'attn');
      }
      if (i > 0) {
        push(up, this.upKinds, new Upsample(2), 'other');
        push(up, this.upKinds, convNd(dims, cur, cur, 3, { padding: 1 }), 'other');
        r *= 2;
      }
    }
    this.up = this.child('up', new ModuleList(up));
    this.out = this.child('out', new Sequential([new GroupNorm(groups, cur), new SiLU(), convNd(dims, cur, inCh, 3, { padding: 1 })]));
  }

  /** The last conv starts at zero (DDPM practice): the untrained net predicts 0. */
  zeroOutput(): void {
    for (const [name, p] of this.namedParameters()) if (name.startsWith('out.2.')) p.data.fill(0);
  }

  /** x [B, C, …spatial] float, t [B] float timesteps, y [B] int64 labels (when classes > 0). */
  forward(ctx: TraceContext, x: Value, t?: Value, y?: Value): Value {
    if (!t) throw new InvalidArgumentError('the U-Net needs timesteps');
    let temb = this.temb.forward(ctx, timestepEmbedding(t, this.ch));
    if (this.cemb) {
      if (!y) throw new InvalidArgumentError('this U-Net is class-conditional: pass labels');
      temb = op.add(temb, this.cemb.forward(ctx, y));
    }
    const tact = silu(temb);
    let h = this.inc.forward(ctx, x);
    const hs: Value[] = [h];
    this.down.items.forEach((mod, i) => {
      h = this.downKinds[i] === 'res' ? mod.forward(ctx, h, tact) : mod.forward(ctx, h);
      // Attention refines the skip its block just pushed; blocks and downsamplers add one.
      if (this.downKinds[i] === 'attn') hs[hs.length - 1] = h;
      else hs.push(h);
    });
    for (const mod of this.mid.items) h = mod instanceof ResBlock ? mod.forward(ctx, h, tact) : mod.forward(ctx, h);
    this.up.items.forEach((mod, i) => {
      h = this.upKinds[i] === 'res' ? mod.forward(ctx, op.concat([h, hs.pop() as Value], 1), tact) : mod.forward(ctx, h);
    });
    return this.out.forward(ctx, h);
  }
}

/** The benchmark U-Net (defaults: res 32, 1 channel, ch 32, mults 1,2,2, one block per level, attention at 8×8). */
export function buildBenchUNet(opts: UNetOptions = {}): UNet {
  return new UNet(opts);
}
