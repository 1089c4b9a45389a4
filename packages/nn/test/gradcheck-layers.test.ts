import { describe, it } from 'vitest';
import {
  AvgPool2d,
  Conv1d,
  Conv2d,
  Dropout,
  Embedding,
  GELU,
  GroupNorm,
  LayerNorm,
  Linear,
  MultiHeadAttention,
  Residual,
  ResBlock,
  Sequential,
  SiLU,
  SpatialSelfAttention,
  Upsample,
  ops as op,
  silu,
} from '../src/index.js';
import { layerCheck } from './gradcheck-helper.js';

describe('gradient checks per layer (inputs and every parameter)', () => {
  it('Linear on 2-D and 3-D inputs', async () => {
    const m = new Linear(4, 3);
    await layerCheck(m, { x: { shape: [5, 4] } }, (ctx, v) => m.forward(ctx, v.x!));
    await layerCheck(m, { x: { shape: [2, 3, 4] } }, (ctx, v) => m.forward(ctx, v.x!));
  });
  it('Conv2d with stride, padding and groups; Conv1d', async () => {
    const a = new Conv2d(4, 6, 3, { padding: 1, groups: 2 });
    await layerCheck(a, { x: { shape: [2, 4, 5, 5] } }, (ctx, v) => a.forward(ctx, v.x!));
    const b = new Conv2d(3, 4, 3, { stride: 2, padding: 1 });
    await layerCheck(b, { x: { shape: [2, 3, 6, 6] } }, (ctx, v) => b.forward(ctx, v.x!));
    const c = new Conv1d(3, 4, 5, { padding: 2 });
    await layerCheck(c, { x: { shape: [2, 3, 8] } }, (ctx, v) => c.forward(ctx, v.x!));
  });
  it('GroupNorm and LayerNorm', async () => {
    const g = new GroupNorm(2, 4);
    await layerCheck(g, { x: { shape: [2, 4, 3, 3] } }, (ctx, v) => g.forward(ctx, v.x!), { eps: 5e-3 });
    const l = new LayerNorm(6);
    await layerCheck(l, { x: { shape: [2, 3, 6] } }, (ctx, v) => l.forward(ctx, v.x!), { eps: 5e-3 });
  });
  it('SiLU, GELU, Embedding, Upsample, AvgPool2d, Dropout', async () => {
    const s = new SiLU();
    await layerCheck(s, { x: { shape: [3, 7] } }, (ctx, v) => s.forward(ctx, v.x!));
    const ge = new GELU();
    await layerCheck(ge, { x: { shape: [3, 7] } }, (ctx, v) => ge.forward(ctx, v.x!));
    const e = new Embedding(5, 3);
    await layerCheck(e, { ids: { shape: [2, 3], dtype: 'int64', init: BigInt64Array.of(0n, 4n, 2n, 2n, 1n, 0n), constant: true } }, (ctx, v) =>
      e.forward(ctx, v.ids!),
    );
    const u = new Upsample(2);
    await layerCheck(u, { x: { shape: [2, 3, 3, 3] } }, (ctx, v) => u.forward(ctx, v.x!));
    const p = new AvgPool2d(2);
    await layerCheck(p, { x: { shape: [2, 3, 4, 4] } }, (ctx, v) => p.forward(ctx, v.x!));
    const d = new Dropout(0.5);
    const mask = Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 0 : 2));
    await layerCheck(d, { x: { shape: [3, 4] } }, (ctx, v) => d.forward(ctx, v.x!), { masks: { mask0: mask } });
  });
  it('multi-head self-attention and cross-attention', async () => {
    const selfAttn = new MultiHeadAttention(8, { heads: 2 });
    await layerCheck(selfAttn, { x: { shape: [2, 5, 8] } }, (ctx, v) => selfAttn.forward(ctx, v.x!));
    const cross = new MultiHeadAttention(8, { heads: 4, contextDim: 6, qkvBias: true });
    await layerCheck(cross, { x: { shape: [2, 3, 8] }, c: { shape: [2, 4, 6] } }, (ctx, v) => cross.forward(ctx, v.x!, v.c!));
  });
  it('residual composition, Sequential, U-Net blocks', async () => {
    const r = new Residual(new Sequential([new Linear(4, 4), new SiLU(), new Linear(4, 4)]));
    await layerCheck(r, { x: { shape: [3, 4] } }, (ctx, v) => r.forward(ctx, v.x!));
    const rb = new ResBlock(4, 8, 6, 2);
    await layerCheck(rb, { x: { shape: [2, 4, 4, 4] }, t: { shape: [2, 6] } }, (ctx, v) => rb.forward(ctx, v.x!, silu(v.t!)), { eps: 5e-3 });
    const at = new SpatialSelfAttention(4, 2);
    await layerCheck(at, { x: { shape: [2, 4, 3, 3] } }, (ctx, v) => at.forward(ctx, v.x!), { eps: 5e-3 });
    // Mixing ops through a shared value: gradients from two paths are summed.
    const lin = new Linear(3, 3);
    await layerCheck(lin, { x: { shape: [2, 3] } }, (ctx, v) => op.mul(lin.forward(ctx, v.x!), lin.forward(ctx, op.tanh(v.x!))));
  });
});
