/** Multi-head attention over token sequences [B, L, D]; cross-attention when a context is given. */
import { InvalidArgumentError } from '@netsynth/core';
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { Linear, ModuleDict } from './basic.js';
import { Module, type TraceContext } from './module.js';

export interface AttentionOptions {
  heads: number;
  /** Width of the context tokens for cross-attention (default: dim, i.e. self-attention). */
  contextDim?: number;
  /** Bias on the q/k/v projections (default false, as in Stable Diffusion). */
  qkvBias?: boolean;
}

/**
 * Names follow diffusers' Attention (`to_q`, `to_k`, `to_v`, `to_out.0` — index 1 there is a
 * dropout) so Stable Diffusion weights and LoRA files map onto them.
 */
export class MultiHeadAttention extends Module {
  readonly heads: number;
  readonly to_q: Linear;
  readonly to_k: Linear;
  readonly to_v: Linear;
  readonly to_out: ModuleDict;
  readonly out: Linear;
  constructor(
    readonly dim: number,
    opts: AttentionOptions,
  ) {
    super();
    this.heads = opts.heads;
    if (dim % opts.heads) throw new InvalidArgumentError(`attention width ${dim} not divisible by ${opts.heads} heads`);
    const cdim = opts.contextDim ?? dim;
    const bias = opts.qkvBias ?? false;
    this.to_q = this.child('to_q', new Linear(dim, dim, { bias }));
    this.to_k = this.child('to_k', new Linear(cdim, dim, { bias }));
    this.to_v = this.child('to_v', new Linear(cdim, dim, { bias }));
    this.to_out = this.child('to_out', new ModuleDict());
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
    const attn = op.softmax(op.matmul(q, k, { transB: true, alpha: 1 / Math.sqrt(dh) }), -1);
    const o = op.reshape(op.transpose(op.matmul(attn, v), [0, 2, 1, 3]), [0, 0, this.dim]);
    return this.out.forward(ctx, o);
  }
}
