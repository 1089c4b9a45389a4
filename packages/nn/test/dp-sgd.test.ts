import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  GroupNorm,
  Linear,
  Module,
  SiLU,
  buildTrainingSession,
  initParameters,
  mseLoss,
  ops as op,
  sgd,
  type DpSgdOptions,
  type TraceContext,
  type Trainer,
  type Value,
} from '../src/index.js';

/**
 * DP-SGD in the trainer: per-example clipping to C, Gaussian noise σ·C on the clipped sum,
 * division by the expected batch size. Checked with plain SGD (lr 1, no momentum), so one
 * step moves the weights by exactly minus the gradient the trainer built.
 */
class Net extends Module {
  readonly conv = this.child('conv', new Conv2d(2, 4, 3, { padding: 1 }));
  readonly norm = this.child('norm', new GroupNorm(2, 4));
  readonly act = this.child('act', new SiLU());
  readonly head = this.child('head', new Linear(4, 3));
  forward(ctx: TraceContext, x: Value): Value {
    const h = this.act.forward(ctx, this.norm.forward(ctx, this.conv.forward(ctx, x)));
    return this.head.forward(ctx, op.reduceMean(h, [2, 3], false));
  }
}

const PASS = 4;
const X = 2 * 5 * 5;

function examples(n: number, seed: number, targetScale: number): { x: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  return { x: Float32Array.from({ length: n * X }, () => rng.normal()), y: Float32Array.from({ length: n * 3 }, () => targetScale * rng.normal()) };
}

async function trainer(batch: number, privacy?: DpSgdOptions, replicas: number | 'auto' = 1): Promise<{ t: Trainer; names: string[] }> {
  const net = new Net();
  initParameters(net, 5);
  const t = await buildTrainingSession(net, {
    inputs: { x: { shape: [batch, 2, 5, 5] }, y: { shape: [batch, 3] } },
    loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
    optimizer: sgd({ lr: 1 }),
    replicas,
    ...(privacy && { privacy }),
  });
  return { t, names: t.trainable.map(([n]) => n) };
}

function flat(t: Trainer, names: string[]): Float64Array {
  return Float64Array.from(names.flatMap((n) => [...t.parameter(n)]));
}

/** Minus the step's movement: the gradient the optimizer applied. */
async function appliedGradient(t: Trainer, names: string[], batch: { x: Float32Array; y: Float32Array }): Promise<Float64Array> {
  const before = flat(t, names);
  await t.trainStep(batch);
  const after = flat(t, names);
  return before.map((b, i) => b - (after[i] as number));
}

const norm = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

async function perExampleGradients(batch: { x: Float32Array; y: Float32Array }, n: number): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (let e = 0; e < n; e++) {
    const { t, names } = await trainer(1);
    try {
      out.push(await appliedGradient(t, names, { x: batch.x.slice(e * X, (e + 1) * X), y: batch.y.slice(e * 3, (e + 1) * 3) }));
    } finally {
      await t.dispose();
    }
  }
  return out;
}

describe('DP-SGD', () => {
  it('clips every example to C: the applied gradient is Σ g_e · min(1, C/‖g_e‖) / expected batch size', async () => {
    const n = 6; // more than one pass of PASS examples
    const batch = examples(n, 11, 30);
    const per = await perExampleGradients(batch, n);
    const C = 0.05;
    expect(Math.min(...per.map(norm))).toBeGreaterThan(C); // every example is clipped
    const { t, names } = await trainer(PASS, { maxGradNorm: C, noiseMultiplier: 0, expectedBatchSize: 3, noiseSeed: 1 }, 2);
    try {
      const got = await appliedGradient(t, names, batch);
      const want = new Float64Array(got.length);
      for (const g of per) g.forEach((v, j) => (want[j] = (want[j] as number) + (v * Math.min(1, C / (norm(g) + 1e-6))) / 3));
      got.forEach((v, j) => expect(v).toBeCloseTo(want[j] as number, 5));
      // The bound itself: the sum of n clipped gradients has norm at most n·C.
      expect(norm(got) * 3).toBeLessThanOrEqual(n * C + 1e-5);
    } finally {
      await t.dispose();
    }
  }, 120_000);

  it('leaves small gradients alone: with C above every norm and no noise it is the batch-mean gradient', async () => {
    const n = PASS;
    const batch = examples(n, 12, 0.1);
    const plain = await trainer(n);
    const want = await appliedGradient(plain.t, plain.names, batch);
    await plain.t.dispose();
    const { t, names } = await trainer(PASS, { maxGradNorm: 1e6, noiseMultiplier: 0, expectedBatchSize: n, noiseSeed: 1 });
    try {
      const before = flat(t, names);
      const r = await t.trainStep(batch);
      expect(r.examples).toBe(n);
      expect(r.clipped).toBe(0);
      const after = flat(t, names);
      after.forEach((v, j) => expect((before[j] as number) - v).toBeCloseTo(want[j] as number, 5));
    } finally {
      await t.dispose();
    }
  }, 120_000);

  it('adds N(0, (σC)²) per coordinate to the sum: an empty Poisson batch moves the weights by noise of std σC / expected batch', async () => {
    const sigma = 1.5;
    const C = 0.4;
    const { t, names } = await trainer(PASS, { maxGradNorm: C, noiseMultiplier: sigma, expectedBatchSize: 2, noiseSeed: 7 });
    const many = await (async () => {
      // Several steps pooled: the tiny net has only ~100 parameters per step.
      const all: number[] = [];
      for (let s = 0; s < 40; s++) all.push(...(await appliedGradient(t, names, { x: new Float32Array(0), y: new Float32Array(0) })));
      return Float64Array.from(all);
    })();
    await t.dispose();
    const mean = many.reduce((a, b) => a + b, 0) / many.length;
    const std = Math.sqrt(many.reduce((a, b) => a + (b - mean) ** 2, 0) / many.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    // 40 × ~130 draws: the standard error of the std is about 1 %.
    expect(std).toBeGreaterThan((0.95 * (sigma * C)) / 2);
    expect(std).toBeLessThan((1.05 * (sigma * C)) / 2);
  }, 120_000);

  it('seeded noise repeats; unseeded (cryptographic) noise does not', async () => {
    const batch = examples(3, 13, 1);
    const run = async (noiseSeed?: number): Promise<Float64Array> => {
      const { t, names } = await trainer(PASS, { maxGradNorm: 1, noiseMultiplier: 1, expectedBatchSize: 3, ...(noiseSeed !== undefined && { noiseSeed }) });
      try {
        return await appliedGradient(t, names, batch);
      } finally {
        await t.dispose();
      }
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run()).not.toEqual(await run());
  }, 120_000);

  it('rejects a batch that is not a whole number of examples', async () => {
    const { t } = await trainer(PASS, { maxGradNorm: 1, noiseMultiplier: 1, expectedBatchSize: 3, noiseSeed: 1 });
    try {
      await expect(t.trainStep({ x: new Float32Array(X + 1), y: new Float32Array(3) })).rejects.toThrow(/whole number of examples/);
    } finally {
      await t.dispose();
    }
  });
});
