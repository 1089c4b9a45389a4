import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph, GroupNorm, createOrtSession, gradients, ops as op, serializeGraph, type TraceContext } from '../src/index.js';

/** GroupNorm output and input gradient against a float64 reference, for inputs with a large constant offset. */
async function errors(offset: number): Promise<{ y: number; dx: number }> {
  const [n, c, h, groups] = [2, 8, 6, 2];
  const g = new Graph();
  const x = g.input('x', [n, c, h, h]);
  const gn = new GroupNorm(groups, c);
  gn.weight.data.fill(1.3);
  gn.bias.data.fill(0.2);
  const ctx = {
    graph: g,
    training: false,
    param: (p: { data: Float32Array; shape: readonly number[] }) => g.floats(p.data, p.shape),
  } as unknown as TraceContext;
  const y = gn.forward(ctx, x);
  const r = Float64Array.from({ length: n * c * h * h }, (_, i) => Math.cos(i * 0.7));
  const dx = gradients(g, op.reduceSumAll(op.mul(y, g.floats(r, [n, c, h, h]))), [x]).get(x)!;
  const s = await createOrtSession(serializeGraph(g, { y, dx }), { intraOpNumThreads: 1 });
  const xs = Float64Array.from({ length: n * c * h * h }, (_, i) => offset + Math.sin(i * 1.37));
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from(xs), [n, c, h, h]) });
  await s.release();
  const yv = (out['y'] as ort.Tensor).data as Float32Array;
  const dv = (out['dx'] as ort.Tensor).data as Float32Array;
  const m = (c / groups) * h * h;
  let ey = 0;
  let ed = 0;
  for (let base = 0; base < xs.length; base += m) {
    let mu = 0;
    for (let i = 0; i < m; i++) mu += xs[base + i] as number;
    mu /= m;
    let v = 0;
    for (let i = 0; i < m; i++) v += ((xs[base + i] as number) - mu) ** 2;
    const inv = 1 / Math.sqrt(v / m + 1e-5);
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < m; i++) {
      const d = (r[base + i] as number) * 1.3;
      m1 += d / m;
      m2 += (d * ((xs[base + i] as number) - mu) * inv) / m;
    }
    for (let i = 0; i < m; i++) {
      const xh = ((xs[base + i] as number) - mu) * inv;
      ey = Math.max(ey, Math.abs((yv[base + i] as number) - (1.3 * xh + 0.2)));
      ed = Math.max(ed, Math.abs((dv[base + i] as number) - inv * ((r[base + i] as number) * 1.3 - m1 - xh * m2)));
    }
  }
  return { y: ey, dx: ed };
}

describe('GroupNorm numerics (two-pass statistics)', () => {
  it('stays accurate for inputs with a constant offset of 0, 100 and 1000 standard deviations', async () => {
    const e0 = await errors(0);
    expect(e0.y).toBeLessThan(2e-6);
    expect(e0.dx).toBeLessThan(2e-6);
    const e100 = await errors(100);
    expect(e100.y).toBeLessThan(1e-4);
    expect(e100.dx).toBeLessThan(1e-5);
    const e1000 = await errors(1000);
    expect(e1000.y).toBeLessThan(1e-3);
    expect(e1000.dx).toBeLessThan(1e-4);
  });
});
