import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, InvalidArgumentError, createRng } from '@netsynth/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv2d,
  Dropout,
  GroupNorm,
  Linear,
  Module,
  Sequential,
  SiLU,
  adamw,
  buildTrainingSession,
  initParameters,
  mseLoss,
  ops as op,
  type TraceContext,
  type Trainer,
  type Value,
} from '../src/index.js';

/**
 * Data-parallel replicas: the batch is split across worker threads, the gradients averaged,
 * the optimizer applied once. With a batch-mean loss this is the same step as one session
 * (up to float summation order), and a given replica count is deterministic and resumable.
 */
const dir = mkdtempSync(join(tmpdir(), 'nn-replicas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const B = 8;

/** Conv + GroupNorm + SiLU + dropout + pooled linear head: every per-sample op kind the U-Net uses. */
class Net extends Module {
  readonly conv = this.child('conv', new Conv2d(2, 8, 3, { padding: 1 }));
  readonly norm = this.child('norm', new GroupNorm(2, 8));
  readonly act = this.child('act', new SiLU());
  readonly drop = this.child('drop', new Dropout(0.25));
  readonly head = this.child('head', new Linear(8, 3));
  forward(ctx: TraceContext, x: Value): Value {
    const h = this.drop.forward(ctx, this.act.forward(ctx, this.norm.forward(ctx, this.conv.forward(ctx, x))));
    return this.head.forward(ctx, op.reduceMean(h, [2, 3], false));
  }
}

function makeNet(seed = 3): Net {
  const net = new Net();
  initParameters(net, seed);
  return net;
}

const rng = createRng(17);
const batches = Array.from({ length: 6 }, () => ({
  x: Float32Array.from({ length: B * 2 * 6 * 6 }, () => rng.normal()),
  y: Float32Array.from({ length: B * 3 }, () => rng.normal()),
}));

async function makeTrainer(net: Net, replicas: number | 'auto'): Promise<Trainer> {
  return buildTrainingSession(net, {
    inputs: { x: { shape: [B, 2, 6, 6] }, y: { shape: [B, 3] } },
    loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
    optimizer: adamw({ lr: 1e-2 }),
    clipGradNorm: 1,
    ema: { decay: 0.9 },
    seed: 9,
    replicas,
    runtime: { intraOpNumThreads: 2 },
  });
}

async function train(t: Trainer, from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let s = from; s < to; s++) losses.push((await t.trainStep(batches[s % batches.length]!)).loss);
  return losses;
}

function flat(t: Trainer, ema = false): Float32Array {
  return Float32Array.from(t.trainable.flatMap(([name]) => Array.from(ema ? t.emaParameter(name)! : t.parameter(name))));
}

describe('data-parallel replicas', () => {
  it('two replicas take the same steps as one session (loss, weights, EMA to float rounding)', async () => {
    const one = await makeTrainer(makeNet(), 1);
    const two = await makeTrainer(makeNet(), 2);
    const l1 = await train(one, 0, 6);
    const l2 = await train(two, 0, 6);
    for (let i = 0; i < l1.length; i++) expect(l2[i]).toBeCloseTo(l1[i]!, 5);
    const [p1, p2, e1, e2] = [flat(one), flat(two), flat(one, true), flat(two, true)];
    let worst = 0;
    for (let i = 0; i < p1.length; i++) worst = Math.max(worst, Math.abs(p1[i]! - p2[i]!), Math.abs(e1[i]! - e2[i]!));
    expect(worst).toBeLessThan(1e-4);
    // The steps really moved the weights (the comparison is not between two untrained nets).
    const init = makeNet();
    let moved = 0;
    for (const [name, p] of init.namedParameters()) moved = Math.max(moved, ...Array.from(p.data, (v, i) => Math.abs(v - one.parameter(name)[i]!)));
    expect(moved).toBeGreaterThan(1e-2);
    await one.dispose();
    await two.dispose();
  });

  it('is deterministic and resumes bit-identically with replicas', async () => {
    const a = await makeTrainer(makeNet(), 2);
    await train(a, 0, 6);
    const b = await makeTrainer(makeNet(), 2);
    await train(b, 0, 3);
    const path = join(dir, 'r.safetensors');
    await b.saveCheckpoint(path);
    await b.dispose();
    const c = await makeTrainer(makeNet(77), 2);
    await c.loadCheckpoint(path);
    await train(c, 3, 6);
    expect(Buffer.from(flat(c).buffer)).toEqual(Buffer.from(flat(a).buffer));
    expect(Buffer.from(flat(c, true).buffer)).toEqual(Buffer.from(flat(a, true).buffer));
    await a.dispose();
    await c.dispose();
  });

  it("'auto' splits by the intra-op threads when the batch divides; bad counts are refused", async () => {
    const auto = await makeTrainer(makeNet(), 'auto');
    const one = await makeTrainer(makeNet(), 1);
    const [la, l1] = [await train(auto, 0, 2), await train(one, 0, 2)];
    expect(la[1]).toBeCloseTo(l1[1]!, 5);
    await auto.dispose();
    await one.dispose();
    await expect(makeTrainer(makeNet(), 3)).rejects.toThrow(InvalidArgumentError);
    await expect(makeTrainer(makeNet(), 3)).rejects.toThrow(/batch 8 does not divide into 3/);
    const net = new Sequential([new Linear(4, 4)]);
    initParameters(net, 1);
    await expect(
      buildTrainingSession(net, {
        inputs: { x: { shape: [4, 4] }, y: { shape: [1, 4] } },
        loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
        optimizer: adamw({ lr: 1e-3 }),
        replicas: 2,
      }),
    ).rejects.toThrow(/first axis must be the batch/);
  });

  it('a disposed trainer refuses steps instead of waiting for dead replicas', async () => {
    const t = await makeTrainer(makeNet(), 2);
    await train(t, 0, 1);
    await t.dispose();
    await expect(t.trainStep(batches[0]!)).rejects.toThrow(EngineError);
  });

  const dist = new URL('../dist/index.js', import.meta.url);
  it.skipIf(!existsSync(dist))('idle replicas do not keep the process alive (a trainer that is never disposed)', () => {
    const script = `
      const { Sequential, Linear, adamw, buildTrainingSession, initParameters, mseLoss } = await import(${JSON.stringify(dist.href)});
      const net = new Sequential([new Linear(4, 4)]);
      initParameters(net, 1);
      const t = await buildTrainingSession(net, { inputs: { x: { shape: [4, 4] }, y: { shape: [4, 4] } }, loss: (ctx, i) => mseLoss(net.forward(ctx, i.x), i.y), optimizer: adamw({ lr: 1e-3 }), replicas: 2 });
      const r = await t.trainStep({ x: new Float32Array(16).fill(1), y: new Float32Array(16) });
      console.log(t.replicas, r.loss > 0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('2 true');
  });
});
