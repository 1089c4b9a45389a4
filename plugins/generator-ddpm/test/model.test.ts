import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveSeed } from '@netsynth/core';
import { InferenceSession, exportInferenceModel, initParameters, readSafetensors, tensorToFloat32 } from '@netsynth/nn';
import { afterAll, describe, expect, it } from 'vitest';
import gen, { DenoiserUNet, FILES, createDdpmGenerator, emaDecayAt, readModelConfig, type DdpmOptionsInput } from '../src/index.js';
import { classMeans, cleanup, context, nearest, tickingProgress, tmp, twoClassImages } from './helpers.js';

afterAll(cleanup);

// Scale: 8×8 (and 1×16 series) images, an 8-channel two-level U-Net, batches of 8; every
// training here is tens to a few hundred steps (about 10–60 ms each on 2 cores).
const TINY: DdpmOptionsInput = { channels: 8, groups: 4, batchSize: 8, threads: 1, warmupSteps: 5 };

async function tensorsOf(path: string): Promise<Map<string, Buffer>> {
  const f = await readSafetensors(path);
  return new Map([...f.tensors].map(([k, t]) => [k, Buffer.from(t.bytes)]));
}

describe('plugin definition', () => {
  it('is a generator with defaults for every option, strict about unknown keys', () => {
    expect(gen.kind).toBe('generator');
    expect(gen.name).toBe('@netsynth/generator-ddpm');
    const o = gen.options.parse({});
    expect(o).toMatchObject({ dims: 2, schedule: 'cosine', timesteps: 1000, prediction: 'v', sampler: 'dpmpp-2m', guidanceScale: 2 });
    expect(() => gen.options.parse({ sampler: 'euler' })).toThrow();
    expect(() => gen.options.parse({ stepz: 3 })).toThrow();
  });
  it('warms the EMA decay up', () => {
    expect(emaDecayAt(0.999, 1)).toBeCloseTo(2 / 11, 12);
    expect(emaDecayAt(0.999, 100_000)).toBe(0.999);
  });
});

describe('EMA', () => {
  it('warms up: after one step the EMA is d·w₀ + (1−d)·w₁ with d = 2/11, not 0.999', async () => {
    // Guards the mechanism: nn's trainer reads `ema.decay` from the options object at every step.
    const dir = tmp();
    await createDdpmGenerator({ ...TINY, steps: 1, lr: 0.1, emaDecay: 0.999 }).fit(twoClassImages(8, 1, 8, 8), dir, context(3));
    const cfg = await readModelConfig(dir);
    const net = new DenoiserUNet(cfg.spec);
    initParameters(net, deriveSeed(3, 'ddpm:init'));
    net.zeroOutput();
    const ckpt = await readSafetensors(join(dir, FILES.checkpoint));
    const d = emaDecayAt(0.999, 1);
    let moved = 0;
    for (const [name, p] of net.namedParameters()) {
      const live = tensorToFloat32(ckpt.tensors.get(name)!, 'ckpt', name);
      const ema = tensorToFloat32(ckpt.tensors.get(`ema.${name}`)!, 'ckpt', name);
      for (let i = 0; i < live.length; i++) {
        const w0 = p.data[i] as number;
        moved = Math.max(moved, Math.abs((live[i] as number) - w0));
        expect(Math.abs((ema[i] as number) - (d * w0 + (1 - d) * (live[i] as number)))).toBeLessThan(1e-6);
      }
    }
    expect(moved).toBeGreaterThan(1e-4); // the step changed the weights, so the check has teeth
  });
});

describe('training, resume and the model directory', () => {
  const data = twoClassImages(24, 1, 8, 8);
  const opts: DdpmOptionsInput = { ...TINY, steps: 14, checkpointEvery: 4, dropout: 0.1, labelDropout: 0.2, emaDecay: 0.9 };
  // One 6-step model for the model-directory and the sampling tests: most of a fit's cost is
  // building the training graph and exporting the model, not its steps.
  let sixSteps: Promise<string> | undefined;
  const sixStepModel = (): Promise<string> =>
    (sixSteps ??= (async () => {
      const dir = tmp();
      await createDdpmGenerator({ ...opts, steps: 6 }).fit(data, dir, context(2));
      return dir;
    })());

  it('an interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one', async () => {
    const full = tmp();
    const r1 = await createDdpmGenerator(opts).fit(data, full, context(5));
    expect(r1.steps).toBe(14);
    expect(r1.resumedFromStep).toBeUndefined();

    const split = tmp();
    const ac = new AbortController();
    const ctx = context(5, { signal: ac.signal, progress: tickingProgress((n) => n === 6 && ac.abort()) });
    await expect(createDdpmGenerator(opts).fit(data, split, ctx)).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const mid = await readSafetensors(join(split, FILES.checkpoint));
    expect(mid.metadata.step).toBe('6');
    const r2 = await createDdpmGenerator(opts).fit(data, split, context(5));
    expect(r2.resumedFromStep).toBe(6);
    expect(r2.steps).toBe(14);

    const a = await tensorsOf(join(full, FILES.checkpoint));
    const b = await tensorsOf(join(split, FILES.checkpoint));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect([...a.keys()].some((k) => k.startsWith('ema.'))).toBe(true);
    expect([...a.keys()].some((k) => k.startsWith('optimizer.'))).toBe(true);
    for (const [k, v] of a) expect(b.get(k)?.equals(v), k).toBe(true);
    expect((await readFile(join(split, FILES.onnx))).equals(await readFile(join(full, FILES.onnx)))).toBe(true);

    // A finished model of the same training is not trained again.
    const r3 = await createDdpmGenerator(opts).fit(data, full, context(5));
    expect(r3).toMatchObject({ steps: 14 });
    expect(r3.resumedFromStep).toBeUndefined();
  });

  it('writes the EMA weights to model.onnx, the label map and encoder facts to model.json', async () => {
    const dir = await sixStepModel();
    const cfg = await readModelConfig(dir);
    expect(cfg.labels).toEqual(['left', 'top']);
    expect(cfg.encoder.name).toBe('test/synthetic');
    expect(cfg.schedule).toEqual({ kind: 'cosine', timesteps: 1000 });
    expect(cfg.prediction).toBe('v');
    expect(cfg.training.steps).toBe(6);

    // Rebuild the network, load the checkpoint's ema.* tensors, export: same outputs as model.onnx.
    const net = new DenoiserUNet(cfg.spec);
    const ckpt = await readSafetensors(join(dir, FILES.checkpoint));
    let differs = false;
    for (const [name, p] of net.namedParameters()) {
      const ema = tensorToFloat32(ckpt.tensors.get(`ema.${name}`)!, 'ckpt', name);
      const live = tensorToFloat32(ckpt.tensors.get(name)!, 'ckpt', name);
      if (ema.some((v, i) => v !== live[i])) differs = true;
      p.data.set(ema);
    }
    expect(differs).toBe(true); // EMA and live weights are different vectors: the test can tell them apart
    const shape = [3, 1, 8, 8];
    const ref = await InferenceSession.create(
      exportInferenceModel(net, {
        inputs: { x: { shape }, t: { shape: [3] }, y: { shape: [3], dtype: 'int64' } },
        forward: (c, i) => ({ output: net.forward(c, i.x!, i.t!, i.y!) }),
      }),
    );
    const saved = await InferenceSession.create(join(dir, FILES.onnx));
    const x = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i));
    const feeds = { x: { data: x, shape }, t: { data: Float32Array.of(10, 500, 990), shape: [3] }, y: { data: BigInt64Array.of(0n, 1n, 2n), shape: [3] } };
    const a = (await ref.run(feeds))['output'] as Float32Array;
    const b = (await saved.run(feeds))['output'] as Float32Array;
    for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-5);
    await ref.dispose();
    await saved.dispose();

    // Sampling: a sample does not depend on the batch it was made in; seeds reproduce.
    const small = await createDdpmGenerator({ sampler: 'ddim', sampleSteps: 8, sampleBatchSize: 3, threads: 1 }).sample(
      dir,
      { perLabel: { left: 3, top: 2 } },
      context(9),
    );
    const big = await createDdpmGenerator({ sampler: 'ddim', sampleSteps: 8, sampleBatchSize: 64, threads: 1 }).sample(
      dir,
      { perLabel: { left: 3, top: 2 } },
      context(9),
    );
    expect(small.map((s) => s.label)).toEqual(['left', 'left', 'left', 'top', 'top']);
    small.forEach((s, i) => {
      expect([s.tensor.channels, s.tensor.height, s.tensor.width]).toEqual([1, 8, 8]);
      const o = big[i]!.tensor.data;
      s.tensor.data.forEach((v, j) => expect(Math.abs(v - (o[j] as number))).toBeLessThan(1e-4));
    });
  });

  it('sampling honours the abort signal and skips labels the model does not know', async () => {
    const dir = await sixStepModel();
    const warnings: string[] = [];
    const ctx = context(1, { progress: { start: () => ({ tick: () => {}, update: () => {}, done: () => {} }), log: () => {}, warn: (m) => warnings.push(m) } });
    const out = await createDdpmGenerator({ sampleSteps: 2, threads: 1 }).sample(dir, { perLabel: { left: 1, nope: 2 } }, ctx);
    expect(out.map((s) => s.label)).toEqual(['left']);
    expect(warnings.join()).toMatch(/nope/);
    const ac = new AbortController();
    ac.abort();
    await expect(createDdpmGenerator({ threads: 1 }).sample(dir, { perLabel: { left: 2 } }, context(1, { signal: ac.signal }))).rejects.toMatchObject({
      code: 'INTERRUPTED',
    });
  });
});

describe('learning', () => {
  it('2-D, 2-channel 7×10 images (padded to 8×10), linear schedule, ε-prediction: samples of each label look like that label (CFG, DPM-Solver++)', async () => {
    const data = twoClassImages(40, 2, 7, 10, 3);
    const dir = tmp();
    const g = createDdpmGenerator({
      ...TINY,
      channelMults: [1, 2],
      schedule: 'linear',
      prediction: 'eps',
      // 120 steps: 15/16 here (seeds 7 and 11: 16 and 14), as 250 steps gave.
      steps: 120,
      lr: 3e-3,
      batchSize: 16,
      sampler: 'dpmpp-2m',
      sampleSteps: 12,
      guidanceScale: 2,
    });
    await g.fit(data, dir, context(4));
    const cfg = await readModelConfig(dir);
    expect(cfg.geometry.size).toEqual([8, 10]);
    const out = await g.sample(dir, { perLabel: { left: 8, top: 8 } }, context(4));
    const means = classMeans(data);
    const right = out.filter((s) => nearest(means, s.tensor.data) === s.label).length;
    console.log(`2-D: ${right}/16 samples nearest to their own class mean`);
    expect(right).toBeGreaterThanOrEqual(14);
    for (const s of out) for (const v of s.tensor.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it('1-D (dims: 1, Conv1d U-Net, v-prediction, cosine): rising and falling series', async () => {
    const data = twoClassImages(40, 2, 1, 16, 5);
    const dir = tmp();
    const g = createDdpmGenerator({
      ...TINY,
      dims: 1,
      schedule: 'cosine',
      prediction: 'v',
      // 100 steps: 16/16 here and with seeds 8 and 12, as 250 steps gave.
      steps: 100,
      lr: 3e-3,
      batchSize: 16,
      sampler: 'ddim',
      sampleSteps: 20,
    });
    await g.fit(data, dir, context(6));
    const cfg = await readModelConfig(dir);
    expect(cfg.spec.dims).toBe(1);
    const session = await InferenceSession.create(join(dir, FILES.onnx));
    const y = await session.run({
      x: { data: new Float32Array(2 * 16), shape: [1, 2, 16] },
      t: { data: Float32Array.of(5), shape: [1] },
      y: { data: BigInt64Array.of(0n), shape: [1] },
    });
    expect((y['output'] as Float32Array).length).toBe(32);
    await session.dispose();
    const out = await g.sample(dir, { perLabel: { down: 8, up: 8 } }, context(6));
    const means = classMeans(data);
    const right = out.filter((s) => nearest(means, s.tensor.data) === s.label).length;
    console.log(`1-D: ${right}/16 samples nearest to their own class mean`);
    expect(right).toBeGreaterThanOrEqual(14);
    expect(out[0]!.tensor).toMatchObject({ channels: 2, height: 1, width: 16 });
  });

  it('dims: 1 refuses images taller than one row', async () => {
    await expect(createDdpmGenerator({ ...TINY, dims: 1, steps: 1 }).fit(twoClassImages(4, 1, 8, 8), tmp(), context(1))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      configPath: 'generator.options.dims',
    });
  });
});
