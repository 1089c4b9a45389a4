import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph, createOrtSession, gradients, ops as op, serializeGraph } from '../src/index.js';

/**
 * dW of a stride-1 Conv has several formulations (slices of X or canvases of dY, either
 * GEMM orientation, stacked taps for few channels, the batch folded into one GEMM on small maps). Each branch is compared in full with a
 * direct sum dW[o,c,a,b] = Σ r[n,o,y,x]·Xpad[n,c,y+a,x+b] (loss = Σ conv(x,w)·r).
 */
async function check(n: number, c: number, o: number, h: number, w: number, kh: number, kw: number, pads: [number, number, number, number]): Promise<void> {
  const g = new Graph();
  const x = g.input('x', [n, c, h, w]);
  const wt = g.input('w', [o, c, kh, kw]);
  const r = g.input('r', [n, o, h + pads[0] + pads[2] - kh + 1, w + pads[1] + pads[3] - kw + 1]);
  const y = op.conv(x, wt, null, { pads });
  const loss = op.reduceSumAll(op.mul(y, r));
  const dw = gradients(g, loss, [wt]).get(wt)!;
  const s = await createOrtSession(serializeGraph(g, { dw }), { intraOpNumThreads: 1 });
  const [oh, ow] = [r.shape[2] as number, r.shape[3] as number];
  const xs = Float32Array.from({ length: n * c * h * w }, (_, i) => Math.sin(i * 0.37));
  const ws = Float32Array.from({ length: o * c * kh * kw }, (_, i) => Math.cos(i * 0.11));
  const rs = Float32Array.from({ length: n * o * oh * ow }, (_, i) => Math.sin(i * 0.23 + 1));
  const out = await s.run({
    x: new ort.Tensor('float32', xs, [n, c, h, w]),
    w: new ort.Tensor('float32', ws, [o, c, kh, kw]),
    r: new ort.Tensor('float32', rs, [n, o, oh, ow]),
  });
  const got = (out['dw'] as ort.Tensor).data as Float32Array;
  let worst = 0;
  for (let oo = 0; oo < o; oo++)
    for (let cc = 0; cc < c; cc++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++) {
          let sum = 0;
          for (let nn = 0; nn < n; nn++)
            for (let yy = 0; yy < oh; yy++)
              for (let xx = 0; xx < ow; xx++) {
                const iy = yy + a - pads[0];
                const ix = xx + b - pads[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                sum += (rs[((nn * o + oo) * oh + yy) * ow + xx] as number) * (xs[((nn * c + cc) * h + iy) * w + ix] as number);
              }
          const v = got[((oo * c + cc) * kh + a) * kw + b] as number;
          worst = Math.max(worst, Math.abs(v - sum) / (1 + Math.abs(sum)));
        }
  await s.release();
  expect(worst).toBeLessThan(1e-4);
}

describe('conv weight gradient formulations (exact against a direct sum)', () => {
  it('slices of X, dY first (more output channels)', () => check(2, 8, 10, 9, 9, 3, 3, [1, 1, 1, 1]));
  it('slices of X, X first (more input channels, small map)', () => check(2, 10, 8, 9, 9, 3, 3, [1, 1, 1, 1]));
  it('batch folded into the GEMM (maps of ≤ 64 positions), both orientations and uneven pads', async () => {
    await check(3, 8, 10, 8, 8, 3, 3, [1, 1, 1, 1]);
    await check(3, 10, 8, 5, 6, 3, 3, [1, 1, 1, 1]);
    await check(2, 9, 8, 6, 6, 3, 2, [1, 0, 2, 1]);
  });
  it('canvas of dY (fewer outputs, large map), X first', () => check(1, 12, 8, 30, 30, 3, 3, [1, 1, 1, 1]));
  it('stacked taps: 1 input channel, and 1 output channel on a canvas', async () => {
    await check(2, 1, 9, 6, 6, 3, 3, [1, 1, 1, 1]);
    await check(1, 9, 1, 30, 30, 3, 3, [1, 1, 1, 1]);
  });
  it('asymmetric pads and kernels, no padding', async () => {
    await check(2, 9, 3, 6, 7, 3, 2, [1, 0, 2, 1]);
    await check(2, 3, 9, 6, 6, 3, 3, [0, 0, 0, 0]);
  });
});
