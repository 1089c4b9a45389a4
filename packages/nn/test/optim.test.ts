import { describe, expect, it } from 'vitest';
import { Linear, adam, adamw, buildTrainingSession, learningRateAt, mseLoss, sgd, type OptimizerConfig, type ScheduleConfig } from '../src/index.js';
import { decodeModel } from '../src/onnx/proto.js';

// A 3→2 linear model on a fixed batch: its MSE gradient is computed exactly in JS, so the
// in-graph optimizers can be compared with the torch.optim formulas step by step.
const X = Float64Array.from([0.5, -1, 2, 1.5, 0.25, -0.75, -2, 1, 0.5, 0.1, 0.2, 0.3]); // [4,3]
const Y = Float64Array.from([1, -1, 0.5, 2, -0.5, 0, 1, 1]); // [4,2]

function refGrad(w: Float64Array, b: Float64Array): { gw: Float64Array; gb: Float64Array } {
  const gw = new Float64Array(6);
  const gb = new Float64Array(2);
  for (let n = 0; n < 4; n++)
    for (let o = 0; o < 2; o++) {
      let p = b[o] as number;
      for (let i = 0; i < 3; i++) p += (w[o * 3 + i] as number) * (X[n * 3 + i] as number);
      const d = (2 * (p - (Y[n * 2 + o] as number))) / 8;
      gb[o] = (gb[o] as number) + d;
      for (let i = 0; i < 3; i++) gw[o * 3 + i] = (gw[o * 3 + i] as number) + d * (X[n * 3 + i] as number);
    }
  return { gw, gb };
}

async function compare(opt: OptimizerConfig, o: { clip?: number; schedule?: ScheduleConfig; ema?: number } = {}): Promise<void> {
  const lin = new Linear(3, 2);
  lin.weight.data.set([0.1, -0.2, 0.3, 0.05, 0.4, -0.1]);
  lin.bias!.data.set([0.01, -0.02]);
  const trainer = await buildTrainingSession(lin, {
    inputs: { x: { shape: [4, 3] }, y: { shape: [4, 2] } },
    loss: (ctx, i) => mseLoss(lin.forward(ctx, i.x!), i.y!),
    optimizer: opt,
    ...(o.schedule && { schedule: o.schedule }),
    ...(o.clip !== undefined && { clipGradNorm: o.clip }),
    ...(o.ema !== undefined && { ema: { decay: o.ema } }),
    runtime: { intraOpNumThreads: 1 },
  });
  const p = Float64Array.from([...lin.weight.data, ...lin.bias!.data]);
  const m = new Float64Array(8);
  const v = new Float64Array(8);
  const ema = Float64Array.from(p);
  for (let t = 1; t <= 5; t++) {
    const { gw, gb } = refGrad(p.subarray(0, 6), p.subarray(6));
    let g = Float64Array.from([...gw, ...gb]);
    const norm = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    if (o.clip !== undefined) g = g.map((x) => x * Math.min(1, o.clip! / (norm + 1e-6)));
    const lr = learningRateAt(opt.lr, t, o.schedule);
    if (opt.kind === 'sgd') {
      for (let i = 0; i < 8; i++) {
        let gi = (g[i] as number) + (opt.weightDecay ?? 0) * (p[i] as number);
        const mu = opt.momentum ?? 0;
        if (mu) {
          m[i] = mu * (m[i] as number) + gi;
          gi = opt.nesterov ? gi + mu * (m[i] as number) : (m[i] as number);
        }
        p[i] = (p[i] as number) - lr * gi;
      }
    } else {
      const [b1, b2] = opt.betas ?? [0.9, 0.999];
      const eps = opt.eps ?? 1e-8;
      for (let i = 0; i < 8; i++) {
        let gi = g[i] as number;
        if (opt.kind === 'adamw') p[i] = (p[i] as number) * (1 - lr * (opt.weightDecay ?? 0.01));
        else gi += (opt.weightDecay ?? 0) * (p[i] as number);
        m[i] = b1 * (m[i] as number) + (1 - b1) * gi;
        v[i] = b2 * (v[i] as number) + (1 - b2) * gi * gi;
        const denom = Math.sqrt(v[i] as number) / Math.sqrt(1 - b2 ** t) + eps;
        p[i] = (p[i] as number) - (lr / (1 - b1 ** t)) * ((m[i] as number) / denom);
      }
    }
    if (o.ema !== undefined) for (let i = 0; i < 8; i++) ema[i] = o.ema * (ema[i] as number) + (1 - o.ema) * (p[i] as number);
    const r = await trainer.trainStep({ x: Float32Array.from(X), y: Float32Array.from(Y) });
    expect(r.gradNorm).toBeCloseTo(norm, 4);
    const got = [...trainer.parameter('weight'), ...trainer.parameter('bias')];
    got.forEach((x, i) => expect(x).toBeCloseTo(p[i] as number, 5));
    if (o.ema !== undefined)
      [...trainer.emaParameter('weight')!, ...trainer.emaParameter('bias')!].forEach((x, i) => expect(x).toBeCloseTo(ema[i] as number, 5));
  }
  await trainer.dispose();
}

describe('in-graph optimizers match the torch.optim update rules', () => {
  it('SGD, SGD with momentum / Nesterov / weight decay', async () => {
    await compare(sgd({ lr: 0.1 }));
    await compare(sgd({ lr: 0.05, momentum: 0.9, weightDecay: 0.01 }));
    await compare(sgd({ lr: 0.05, momentum: 0.8, nesterov: true }));
  });
  it('Adam, Adam with L2, AdamW', async () => {
    await compare(adam({ lr: 0.01 }));
    await compare(adam({ lr: 0.01, weightDecay: 0.1, betas: [0.8, 0.99], eps: 1e-6 }));
    await compare(adamw({ lr: 0.02, weightDecay: 0.05 }));
  });
  it('global-norm clipping, warm-up + cosine schedule, EMA', async () => {
    await compare(adam({ lr: 0.05 }), { clip: 0.5, schedule: { warmupSteps: 2, decay: 'cosine', totalSteps: 6, minLrRatio: 0.1 }, ema: 0.9 });
    await compare(sgd({ lr: 0.1, momentum: 0.5 }), { clip: 0.1, ema: 0.5 });
  });
  it('learning-rate schedule values', () => {
    const s = { warmupSteps: 10, decay: 'cosine' as const, totalSteps: 110 };
    expect(learningRateAt(1, 5, s)).toBeCloseTo(0.5);
    expect(learningRateAt(1, 10, s)).toBeCloseTo(1);
    expect(learningRateAt(1, 60, s)).toBeCloseTo(0.5);
    expect(learningRateAt(1, 110, s)).toBeCloseTo(0);
    expect(learningRateAt(2, 500, {})).toBe(2);
  });
});

describe('freezing', () => {
  it('keeps frozen parameters fixed and computes no gradient for them', async () => {
    const { Sequential, Conv2d, SiLU, initParameters, ops } = await import('../src/index.js');
    const net = new Sequential([new Conv2d(2, 4, 3, { padding: 1 }), new SiLU(), new Conv2d(4, 2, 3, { padding: 1 })]);
    initParameters(net, 4);
    const frozenBefore = net
      .namedParameters()
      .find(([n]) => n === '0.weight')![1]
      .data.slice();
    const build = (frozen?: string[]) =>
      buildTrainingSession(net, {
        inputs: { x: { shape: [2, 2, 4, 4] } },
        loss: (ctx, i) => ops.reduceMeanAll(ops.mul(net.forward(ctx, i.x!), net.forward(ctx, i.x!))),
        optimizer: sgd({ lr: 0.1 }),
        ...(frozen && { frozen }),
      });
    const full = await build();
    const lora = await build(['0']);
    const countGemms = (bytes: Uint8Array): number => decodeModel(bytes).graph.node.filter((n) => n.opType === 'FusedMatMul' || n.opType === 'MatMul').length;
    expect(countGemms(lora.trainingModel)).toBeLessThan(countGemms(full.trainingModel));
    expect(lora.trainable.map(([n]) => n)).toEqual(['2.weight', '2.bias']);
    const before2 = lora.parameter('2.weight').slice();
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    await lora.trainStep({ x });
    await lora.trainStep({ x });
    expect(lora.parameter('0.weight')).toEqual(frozenBefore);
    expect(lora.parameter('2.weight')).not.toEqual(before2);
    await full.dispose();
    await lora.dispose();
  });
});
