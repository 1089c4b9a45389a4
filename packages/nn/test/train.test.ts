import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  Conv2d,
  GroupNorm,
  Linear,
  Module,
  Sequential,
  SiLU,
  adam,
  buildTrainingSession,
  epochOrder,
  initParameters,
  mseLoss,
  ops as op,
  type TraceContext,
  type Value,
} from '../src/index.js';

class ConvNet extends Module {
  readonly body: Sequential;
  readonly head: Linear;
  constructor() {
    super();
    this.body = this.child(
      'body',
      new Sequential([
        new Conv2d(1, 8, 3, { padding: 1 }),
        new SiLU(),
        new Conv2d(8, 8, 3, { stride: 2, padding: 1 }),
        new GroupNorm(2, 8),
        new SiLU(),
        new AvgPool2d(4),
      ]),
    );
    this.head = this.child('head', new Linear(8, 1));
  }
  forward(ctx: TraceContext, x: Value): Value {
    const h = this.body.forward(ctx, x);
    return this.head.forward(ctx, op.reshape(h, [h.shape[0] as number, 8]));
  }
}

describe('learning toy tasks', () => {
  it('an MLP fits y = sin(3a) + b² (seeded, loss below 0.01)', async () => {
    const net = new Sequential([new Linear(2, 32), new SiLU(), new Linear(32, 32), new SiLU(), new Linear(32, 1)]);
    initParameters(net, 1);
    const B = 64;
    const trainer = await buildTrainingSession(net, {
      inputs: { x: { shape: [B, 2] }, y: { shape: [B, 1] } },
      loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
      optimizer: adam({ lr: 1e-2 }),
      runtime: { intraOpNumThreads: 1 },
    });
    const rng = createRng(5);
    const N = 512;
    const xs = Float32Array.from({ length: N * 2 }, () => rng.next() * 2 - 1);
    const ys = Float32Array.from({ length: N }, (_, i) => Math.sin(3 * (xs[2 * i] as number)) + (xs[2 * i + 1] as number) ** 2);
    let last = Infinity;
    const first = (await trainer.trainStep({ x: xs.subarray(0, B * 2), y: ys.subarray(0, B) })).loss;
    for (let epoch = 0; epoch < 60; epoch++) {
      const order = epochOrder(N, 9, epoch);
      let sum = 0;
      for (let b = 0; b < N / B; b++) {
        const x = new Float32Array(B * 2);
        const y = new Float32Array(B);
        for (let k = 0; k < B; k++) {
          const j = order[b * B + k] as number;
          x[2 * k] = xs[2 * j] as number;
          x[2 * k + 1] = xs[2 * j + 1] as number;
          y[k] = ys[j] as number;
        }
        sum += (await trainer.trainStep({ x, y })).loss;
      }
      last = sum / (N / B);
    }
    expect(first).toBeGreaterThan(0.1);
    expect(last).toBeLessThan(0.01);
    await trainer.dispose();
  });

  it('a conv net separates horizontal from vertical stripes (loss below 0.05)', async () => {
    const net = new ConvNet();
    initParameters(net, 2);
    const B = 32;
    const trainer = await buildTrainingSession(net, {
      inputs: { x: { shape: [B, 1, 8, 8] }, y: { shape: [B, 1] } },
      loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
      optimizer: adam({ lr: 5e-3 }),
      runtime: { intraOpNumThreads: 1 },
    });
    const rng = createRng(3);
    const batch = (): { x: Float32Array; y: Float32Array } => {
      const x = new Float32Array(B * 64);
      const y = new Float32Array(B);
      for (let k = 0; k < B; k++) {
        const vertical = rng.next() < 0.5;
        y[k] = vertical ? 1 : -1;
        const phase = rng.int(2);
        for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) x[k * 64 + r * 8 + c] = ((vertical ? c : r) % 2 === phase ? 1 : -1) + 0.3 * rng.normal();
      }
      return { x, y };
    };
    let loss = Infinity;
    for (let s = 0; s < 150; s++) loss = (await trainer.trainStep(batch())).loss;
    let evalLoss = 0;
    for (let s = 0; s < 4; s++) evalLoss += (await trainer.trainStep(batch())).loss / 4;
    expect(loss).toBeLessThan(0.1);
    expect(evalLoss).toBeLessThan(0.05);
    await trainer.dispose();
  });
});

describe('blocked-layout (NCHWc) conv lowering of the training graph', () => {
  it('gives the same training trajectory as plain Conv (when the CPU supports it)', async () => {
    const { nchwcBlockSize } = await import('../src/runtime/nchwc.js');
    const { decodeModel } = await import('../src/onnx/proto.js');
    const block = await nchwcBlockSize();
    if (block === 0) console.warn('NCHWc kernels unavailable here: the lowering is off, comparing plain with plain');
    const make = async (nchwc: boolean): Promise<Float32Array> => {
      const net = new Sequential([
        new Conv2d(16, 32, 3, { padding: 1 }),
        new SiLU(),
        new Conv2d(32, 16, 3, { stride: 2, padding: 1 }),
        new SiLU(),
        new Conv2d(16, 16, 3, { padding: 1 }),
      ]);
      initParameters(net, 8);
      const t = await buildTrainingSession(net, {
        inputs: { x: { shape: [2, 16, 8, 8] }, y: { shape: [2, 16, 4, 4] } },
        loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
        optimizer: adam({ lr: 1e-2 }),
        runtime: { nchwc },
      });
      const x = Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i * 0.3));
      const y = Float32Array.from({ length: 512 }, (_, i) => Math.cos(i * 0.7));
      for (let s = 0; s < 3; s++) await t.trainStep({ x, y });
      const w = t.parameter('2.weight').slice();
      const lowered = decodeModel(t.trainingModel).graph.node.filter((n) => n.domain === 'com.microsoft.nchwc').length;
      expect(lowered > 0).toBe(nchwc && block > 0);
      await t.dispose();
      return w;
    };
    const plain = await make(false);
    const blocked = await make(true);
    let maxDiff = 0;
    for (let i = 0; i < plain.length; i++) maxDiff = Math.max(maxDiff, Math.abs((plain[i] as number) - (blocked[i] as number)));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
