/**
 * The residual block and the spatial self-attention of the diffusion U-Nets, for images
 * (dims 2: Conv2d) and series (dims 1: Conv1d). One implementation under two naming schemes:
 * `short` (n1, c1, t, n2, c2, skip — the DDPM / benchmark U-Net, whose checkpoints use these
 * names) and `diffusers` (norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut — so
 * Stable Diffusion weights and LoRA files map onto ResnetBlock2D).
 */
import { InvalidArgumentError } from '@netsynth/core';
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { Conv1d, Conv2d, Dropout, GroupNorm, Linear, type ConvOptions } from '../layers/basic.js';
import { silu } from '../layers/functional.js';
import { Module, type TraceContext } from '../layers/module.js';

export type UNetDims = 1 | 2;

/** A Conv1d or Conv2d by the block's dimensionality. */
export function convNd(dims: UNetDims, cin: number, cout: number, k: number, o: ConvOptions = {}): Conv1d | Conv2d {
  return dims === 2 ? new Conv2d(cin, cout, k, o) : new Conv1d(cin, cout, k, o);
}

export interface ResBlockOptions {
  /** 2 (default): images [N, C, H, W]; 1: series [N, C, L]. */
  dims?: UNetDims;
  /** Dropout before the second conv (training only; default 0). */
  dropout?: number;
  /** Parameter names (default 'short'). */
  names?: 'short' | 'diffusers';
  /** GroupNorm epsilon (default 1e-5). */
  eps?: number;
}

const NAMES = {
  short: ['n1', 'c1', 't', 'n2', 'c2', 'skip'],
  diffusers: ['norm1', 'conv1', 'time_emb_proj', 'norm2', 'conv2', 'conv_shortcut'],
} as const;

/** GroupNorm+SiLU → conv → + time projection → GroupNorm+SiLU → dropout → conv, plus the (1×1-conv) shortcut. */
export class ResBlock extends Module {
  readonly dims: UNetDims;
  readonly norm1: GroupNorm;
  readonly conv1: Module;
  /** Absent when `tdim` is 0 (no time input, as the VAE's resnets). */
  readonly timeProj: Linear | undefined;
  readonly norm2: GroupNorm;
  readonly drop: Dropout;
  readonly conv2: Module;
  readonly shortcut: Module | undefined;
  constructor(cin: number, cout: number, tdim: number, groups: number, o: ResBlockOptions = {}) {
    super();
    const dims = o.dims ?? 2;
    const [n1, c1, t, n2, c2, skip] = NAMES[o.names ?? 'short'];
    this.dims = dims;
    this.norm1 = this.child(n1, new GroupNorm(groups, cin, o.eps));
    this.conv1 = this.child(c1, convNd(dims, cin, cout, 3, { padding: 1 }));
    this.timeProj = tdim > 0 ? this.child(t, new Linear(tdim, cout)) : undefined;
    this.norm2 = this.child(n2, new GroupNorm(groups, cout, o.eps));
    this.drop = new Dropout(o.dropout ?? 0);
    this.conv2 = this.child(c2, convNd(dims, cout, cout, 3, { padding: 1 }));
    this.shortcut = cin !== cout ? this.child(skip, convNd(dims, cin, cout, 1)) : undefined;
  }
  /** `tembAct` = SiLU(time embedding) [B, tdim], shared by all blocks; omit it only when tdim is 0. */
  forward(ctx: TraceContext, x: Value, tembAct?: Value): Value {
    let h = this.conv1.forward(ctx, silu(this.norm1.forward(ctx, x)));
    if (this.timeProj) {
      if (!tembAct) throw new InvalidArgumentError('this ResBlock has a time projection: pass the time embedding');
      h = op.add(h, op.reshape(this.timeProj.forward(ctx, tembAct), this.dims === 2 ? [0, 0, 1, 1] : [0, 0, 1]));
    }
    h = this.conv2.forward(ctx, this.drop.forward(ctx, silu(this.norm2.forward(ctx, h))));
    // h first: onnxruntime fuses the Add into the conv by input position, and the other order rounds differently (≈1e-7).
    return op.add(h, this.shortcut ? this.shortcut.forward(ctx, x) : x);
  }
}

/** Single-head self-attention over every position of a [N, C, …] map with 1×1 conv projections (the DDPM U-Net's). */
export class SpatialSelfAttention extends Module {
  readonly n: GroupNorm;
  readonly qkv: Module;
  readonly o: Module;
  constructor(
    readonly channels: number,
    groups: number,
    dims: UNetDims = 2,
  ) {
    super();
    this.n = this.child('n', new GroupNorm(groups, channels));
    this.qkv = this.child('qkv', convNd(dims, channels, 3 * channels, 1));
    this.o = this.child('o', convNd(dims, channels, channels, 1));
  }
  forward(ctx: TraceContext, x: Value): Value {
    const c = this.channels;
    const spatial = x.shape.slice(2);
    const len = spatial.reduce((a, b) => a * b, 1);
    const qkv = op.reshape(this.qkv.forward(ctx, this.n.forward(ctx, x)), [0, 3 * c, len]);
    const [q, k, v] = op.split(qkv, [c, c, c], 1) as [Value, Value, Value];
    const a = op.softmax(op.matmul(q, k, { transA: true, alpha: 1 / Math.sqrt(c) }), -1);
    const y = op.reshape(op.matmul(v, a, { transB: true }), [0, c, ...spatial]);
    return op.add(x, this.o.forward(ctx, y));
  }
}
