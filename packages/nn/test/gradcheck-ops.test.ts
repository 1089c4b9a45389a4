import { describe, it } from 'vitest';
import { ops as op } from '../src/index.js';
import { gradCheck } from './gradcheck-helper.js';

describe('gradient checks per op (finite differences, float32)', () => {
  it('Add/Sub/Mul/Div with broadcasting', async () => {
    const ins = { a: { shape: [2, 3, 4] }, b: { shape: [3, 1] }, c: { shape: [4], init: 'positive' as const } };
    await gradCheck(ins, (g, v) => op.add(v.a!, v.b!));
    await gradCheck(ins, (g, v) => op.sub(v.b!, v.a!));
    await gradCheck(ins, (g, v) => op.mul(v.a!, v.b!));
    await gradCheck(ins, (g, v) => op.div(v.a!, v.c!));
  });
  it('unary ops: Neg, Exp, Log, Sqrt, Reciprocal, Sigmoid, Tanh, Erf, Sin, Cos, Pow', async () => {
    const x = { x: { shape: [3, 5] } };
    const p = { x: { shape: [3, 5], init: 'positive' as const } };
    for (const f of [op.neg, op.exp, op.sigmoid, op.tanh, op.erf, op.sin, op.cos]) await gradCheck(x, (g, v) => f(v.x!));
    for (const f of [op.log, op.sqrt, op.reciprocal]) await gradCheck(p, (g, v) => f(v.x!));
    await gradCheck(p, (g, v) => op.pow(v.x!, 3));
  });
  it('Reshape, Transpose, Concat, Split, Slice, Expand', async () => {
    const ins = { a: { shape: [2, 3, 4] }, b: { shape: [2, 2, 4] } };
    await gradCheck(ins, (g, v) => op.reshape(v.a!, [6, -1]));
    await gradCheck(ins, (g, v) => op.transpose(v.a!, [2, 0, 1]));
    await gradCheck(ins, (g, v) => op.concat([v.a!, v.b!], 1));
    await gradCheck(ins, (g, v) => op.split(v.a!, [1, 2], 1)[1]!);
    await gradCheck(ins, (g, v) => op.slice(v.a!, [1, 0], [3, 3], [1, 2]));
    await gradCheck({ a: { shape: [3, 1] } }, (g, v) => op.expand(v.a!, [2, 3, 4]));
  });
  it('ReduceSum, ReduceMean, Softmax', async () => {
    const ins = { a: { shape: [2, 3, 4] } };
    await gradCheck(ins, (g, v) => op.reduceSum(v.a!, [1], true));
    await gradCheck(ins, (g, v) => op.reduceMean(v.a!, [0, 2], false));
    await gradCheck(ins, (g, v) => op.softmax(v.a!, -1));
    await gradCheck(ins, (g, v) => op.softmax(v.a!, 1));
  });
  it('MatMul and FusedMatMul (all transposes, batch broadcast), Gemm', async () => {
    const ins = { a: { shape: [2, 3, 4] }, b: { shape: [4, 5] }, bt: { shape: [5, 4] }, at: { shape: [2, 4, 3] }, c: { shape: [2, 4, 5] } };
    await gradCheck(ins, (g, v) => op.matmul(v.a!, v.b!));
    await gradCheck(ins, (g, v) => op.matmul(v.a!, v.bt!, { transB: true, alpha: 0.5 }));
    await gradCheck(ins, (g, v) => op.matmul(v.at!, v.c!, { transA: true }));
    await gradCheck(ins, (g, v) => op.matmul(v.at!, op.transpose(v.c!, [0, 2, 1]), { transA: true, transB: true }));
    const gi = { x: { shape: [3, 4] }, w: { shape: [5, 4] }, wt: { shape: [4, 5] }, bias: { shape: [5] } };
    await gradCheck(gi, (g, v) => op.gemm(v.x!, v.w!, v.bias!, { transB: true }));
    await gradCheck(gi, (g, v) => op.gemm(op.transpose(v.x!, [1, 0]), v.wt!, v.bias!, { transA: true, alpha: 2, beta: 0.5 }));
  });
  it('Conv: 2-D with padding, stride 2, groups, 1×1, and 1-D', async () => {
    await gradCheck({ x: { shape: [2, 3, 6, 6] }, w: { shape: [4, 3, 3, 3] }, b: { shape: [4] } }, (g, v) => op.conv(v.x!, v.w!, v.b!, { pads: [1, 1, 1, 1] }));
    await gradCheck({ x: { shape: [2, 3, 7, 7] }, w: { shape: [4, 3, 3, 3] } }, (g, v) => op.conv(v.x!, v.w!, null, { pads: [1, 1, 1, 1], strides: [2, 2] }));
    await gradCheck({ x: { shape: [2, 4, 5, 5] }, w: { shape: [6, 2, 3, 3] } }, (g, v) => op.conv(v.x!, v.w!, null, { pads: [1, 1, 1, 1], group: 2 }));
    await gradCheck({ x: { shape: [2, 4, 5, 5] }, w: { shape: [4, 2, 3, 3] } }, (g, v) => op.conv(v.x!, v.w!, null, { strides: [2, 2], group: 2 }));
    await gradCheck({ x: { shape: [2, 3, 4, 4] }, w: { shape: [5, 3, 1, 1] } }, (g, v) => op.conv(v.x!, v.w!, null));
    await gradCheck({ x: { shape: [2, 3, 9] }, w: { shape: [4, 3, 3] }, b: { shape: [4] } }, (g, v) => op.conv(v.x!, v.w!, v.b!, { pads: [1, 1] }));
    // Fewer output than input channels (dW shifts dY instead of x), asymmetric padding, 1-D too.
    await gradCheck({ x: { shape: [2, 5, 5, 6] }, w: { shape: [2, 5, 3, 3] } }, (g, v) => op.conv(v.x!, v.w!, null, { pads: [1, 0, 2, 1] }));
    await gradCheck({ x: { shape: [2, 4, 7] }, w: { shape: [3, 4, 3] } }, (g, v) => op.conv(v.x!, v.w!, null, { pads: [2, 0] }));
  });
  it('LayerNormalization (scale, bias), Gather, Resize, AveragePool', async () => {
    await gradCheck({ x: { shape: [3, 8] }, s: { shape: [8] }, b: { shape: [8] } }, (g, v) => op.layerNormalization(v.x!, v.s!, v.b!, -1, 1e-5)[0], {
      eps: 5e-3,
    });
    await gradCheck({ x: { shape: [2, 3, 4] } }, (g, v) => op.layerNormalization(v.x!, g.floats([1], [1]), null, 1, 1e-5)[0], { eps: 5e-3 });
    await gradCheck({ t: { shape: [5, 3] }, ids: { shape: [4], dtype: 'int64', init: BigInt64Array.of(0n, 3n, 3n, 1n), constant: true } }, (g, v) =>
      op.gather(v.t!, v.ids!),
    );
    await gradCheck({ x: { shape: [2, 2, 3, 3] } }, (g, v) => op.resizeNearest(v.x!, 2));
    await gradCheck({ x: { shape: [2, 2, 6, 6] } }, (g, v) => op.averagePool(v.x!, [2, 2], [2, 2], [0, 0, 0, 0]));
    await gradCheck({ x: { shape: [2, 2, 5, 5] } }, (g, v) => op.averagePool(v.x!, [3, 3], [1, 1], [1, 1, 1, 1]));
  });
});
