import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvaluationResult, GeneratedSample, PluginContext, ProgressReporter } from '@netsynth/core';
import { createImageTensor, createRng, silentProgress } from '@netsynth/core';
import { Conv2d, InferenceSession, Linear, Module, SiLU, exportInference, initParameters, ops } from '@netsynth/nn';
import type { TraceContext, Value } from '@netsynth/nn';
import { describe, expect, it } from 'vitest';
import { adaptImage, cnnInputSize, createFdEvaluator, onnxFeatureExtractor } from '../src/index.js';

/**
 * Two classes of 16×16 images: horizontal ("h") and vertical ("v") stripes with a random phase
 * and noise. A "poor generator" draws blobs of the right brightness but no stripes.
 */
function stripes(seed: number, perClass: number, poor = false): GeneratedSample[] {
  const rng = createRng(seed);
  const out: GeneratedSample[] = [];
  for (const label of ['h', 'v']) {
    for (let k = 0; k < perClass; k++) {
      const phase = rng.int(2);
      const data = new Float32Array(256);
      for (let r = 0; r < 16; r++) {
        for (let c = 0; c < 16; c++) {
          const line = label === 'h' ? r : c;
          const v = poor ? (rng.next() < 0.5 ? 0.8 : -0.8) : line % 2 === phase ? 0.8 : -0.8;
          data[r * 16 + c] = Math.max(-1, Math.min(1, v + 0.25 * rng.normal()));
        }
      }
      out.push({ label, tensor: createImageTensor(1, 16, 16, data) });
    }
  }
  return out;
}

const warnings: string[] = [];
const logs: string[] = [];
const progress: ProgressReporter = { ...silentProgress, warn: (m: string) => void warnings.push(m), log: (m: string) => void logs.push(m) };
const context = (workDir: string, seed = 3): PluginContext => ({ seed, rng: createRng(seed), progress, workDir, baseDir: workDir });
const value = (r: EvaluationResult, name: string): number => r.metrics.find((m) => m.name === name)?.value as number;
// Small and quick (≈ 1–3 s per training on 2 cores): 16×16 input, 8/16 channels, 16-d features.
const cnn = { inputSize: [16, 16] as [number, number], width: 8, featureSize: 16, steps: 80, batchSize: 32, learningRate: 5e-3 };

describe('the default feature extractor: a CNN trained on the real images', () => {
  const real = stripes(1, 40);
  const sameProcess = stripes(2, 40);
  const poor = stripes(3, 40, true);

  it('learns the real labels, ranks a poor generator far worse, and caches the network by a hash of the real images', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-cnn-'));
    const t0 = performance.now();
    const good = await createFdEvaluator({ cnn, minPerClass: 5 }).evaluate({ samples: [], images: real }, { samples: [], images: sameProcess }, context(dir));
    const trainMs = performance.now() - t0;
    expect(value(good, 'fd.cnn.train_accuracy')).toBeGreaterThan(0.9);
    expect(value(good, 'fd.features')).toBe(16);
    const cached = readdirSync(dir).filter((f) => f.startsWith('fd-cnn-'));
    expect(cached.sort().map((f) => f.replace(/[0-9a-f]{32}/, 'KEY'))).toEqual(['fd-cnn-KEY.json', 'fd-cnn-KEY.onnx']);

    // Against the poor generator: the cached network is reused (same real images, options, seed).
    const t1 = performance.now();
    const bad = await createFdEvaluator({ cnn, minPerClass: 5 }).evaluate({ samples: [], images: real }, { samples: [], images: poor }, context(dir));
    const cachedMs = performance.now() - t1;
    expect(readdirSync(dir).filter((f) => f.startsWith('fd-cnn-'))).toHaveLength(2);
    expect(cachedMs).toBeLessThan(trainMs);
    expect(logs.filter((l) => /loaded from the cache/.test(l))).toHaveLength(1);
    // The report reads the same whether the network was trained now or loaded.
    const note = (r: EvaluationResult): string => (r.sections?.[0]?.data as { note: string }).note;
    expect(note(bad)).toBe(note(good));
    expect(note(good)).toMatch(/16-d penultimate layer of a 2-class network on 16×16 inputs, trained on 80 real images, train accuracy 1\.000/);
    expect(value(bad, 'fd.all')).toBeGreaterThan(5 * value(good, 'fd.all'));
    for (const label of ['h', 'v']) expect(value(bad, `fd.class.${label}`)).toBeGreaterThan(value(good, `fd.class.${label}`));

    // The cached network gives exactly the features a fresh evaluation with it gives.
    const again = await createFdEvaluator({ cnn, minPerClass: 5 }).evaluate({ samples: [], images: real }, { samples: [], images: sameProcess }, context(dir));
    expect(value(again, 'fd.all')).toBe(value(good, 'fd.all'));

    // Another seed is another network (another cache entry).
    await createFdEvaluator({ cnn: { ...cnn, steps: 5 } }).evaluate({ samples: [], images: real }, { samples: [], images: poor }, context(dir, 4));
    expect(readdirSync(dir).filter((f) => f.endsWith('.onnx'))).toHaveLength(2);
  });

  it('is seeded: a fresh cache folder and the same seed give the same distance', async () => {
    const opts = { cnn: { ...cnn, steps: 20 } };
    const a = await createFdEvaluator(opts).evaluate(
      { samples: [], images: real },
      { samples: [], images: poor },
      context(mkdtempSync(join(tmpdir(), 'fd-cnn-a-'))),
    );
    const b = await createFdEvaluator(opts).evaluate(
      { samples: [], images: real },
      { samples: [], images: poor },
      context(mkdtempSync(join(tmpdir(), 'fd-cnn-b-'))),
    );
    expect(value(b, 'fd.all')).toBe(value(a, 'fd.all'));
  });

  it("sizes the network's input automatically: small images as they are, large ones to at most 32 × 64", () => {
    expect(cnnInputSize('auto', 16, 16)).toEqual([16, 16]); // GASF
    expect(cnnInputSize('auto', 1, 105)).toEqual([1, 105]); // a flow record
    expect(cnnInputSize('auto', 32, 1088)).toEqual([32, 64]); // nPrint, 32 packets
    expect(cnnInputSize('auto', 1024, 1088)).toEqual([32, 64]);
    expect(cnnInputSize([8, 8], 1024, 1088)).toEqual([8, 8]);
  });

  it('trains on 1-row images (flow records)', async () => {
    const rng = createRng(9);
    const rows = (label: string, n: number): GeneratedSample[] =>
      Array.from({ length: n }, () => ({
        label,
        tensor: createImageTensor(
          1,
          1,
          40,
          Float32Array.from({ length: 40 }, (_, i) => (label === 'a' ? (i < 20 ? 0.8 : -0.8) : i < 20 ? -0.8 : 0.8) + 0.2 * rng.normal()),
        ),
      }));
    const r = await createFdEvaluator({ cnn: { ...cnn, inputSize: 'auto', steps: 40 } }).evaluate(
      { samples: [], images: [...rows('a', 20), ...rows('b', 20)] },
      { samples: [], images: [...rows('a', 20), ...rows('b', 20)] },
      context(mkdtempSync(join(tmpdir(), 'fd-cnn-1d-'))),
    );
    expect(value(r, 'fd.cnn.train_accuracy')).toBeGreaterThan(0.9);
    expect(value(r, 'fd.all')).toBeGreaterThanOrEqual(0);
  });

  it('falls back to the pooled features (with a warning) when the real images have one label', async () => {
    const one = real.map((s) => ({ ...s, label: 'all' }));
    const dir = mkdtempSync(join(tmpdir(), 'fd-cnn-one-'));
    const r = await createFdEvaluator({ cnn }).evaluate({ samples: [], images: one }, { samples: [], images: poor }, context(dir));
    expect(warnings.some((w) => /fewer than 2 labels/.test(w))).toBe(true);
    expect(value(r, 'fd.features')).toBe(6 * 6 + 2 * 6 + 2);
    expect(readdirSync(dir)).toEqual([]);
  });
});

/**
 * A stand-in for an Inception-v3 export, built and exported with the nn engine: input "images"
 * [N, 3, 12, 12] (symbolic batch), two outputs — "logits" first, then "pool" (the features),
 * like an export that keeps the classifier head. The evaluator must take the named output.
 */
class TinyInception extends Module {
  readonly conv = this.child('conv', new Conv2d(3, 6, 3, { stride: 2, padding: 1 }));
  readonly fc = this.child('fc', new Linear(6, 4));
  private readonly act = new SiLU();
  pool(ctx: TraceContext, x: Value): Value {
    return ops.reduceMean(this.act.forward(ctx, this.conv.forward(ctx, x)), [2, 3], false);
  }
  forward(ctx: TraceContext, x: Value): Value {
    return this.fc.forward(ctx, this.pool(ctx, x));
  }
}

describe('a user-supplied ONNX feature extractor (tiny model built with packages/nn)', () => {
  it('feeds the named input, reads the named output, and applies range mapping and mean/std normalisation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-user-onnx-'));
    const net = new TinyInception();
    initParameters(net, 5);
    const path = join(dir, 'tiny_inception.onnx');
    await exportInference(net, path, {
      inputs: { images: { shape: [1, 3, 12, 12] } },
      forward: (ctx, i) => ({ logits: net.forward(ctx, i['images'] as Value), pool: net.pool(ctx, i['images'] as Value) }),
      dynamicBatch: true,
    });
    const rng = createRng(2);
    const imgs = Array.from({ length: 5 }, () =>
      createImageTensor(
        3,
        12,
        12,
        Float32Array.from({ length: 432 }, () => rng.next() * 2 - 1),
      ),
    );
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];

    const fx = await onnxFeatureExtractor(path, { outputName: 'pool', inputRange: [0, 1], mean, std, batchSize: 2 });
    const got = await fx.features(imgs);
    await fx.close?.();
    expect(got.map((f) => f.length)).toEqual([6, 6, 6, 6, 6]);

    // The same images normalised by hand ([-1, 1] → [0, 1], then ImageNet mean/std), straight into the model.
    const session = await InferenceSession.create(path);
    const x = new Float32Array(5 * 432);
    imgs.forEach((t, n) =>
      t.data.forEach((v, i) => (x[n * 432 + i] = ((v + 1) / 2 - (mean[Math.floor(i / 144)] as number)) / (std[Math.floor(i / 144)] as number))),
    );
    const expected = (await session.run({ images: { data: x, shape: [5, 3, 12, 12] } }))['pool'] as Float32Array;
    got.forEach((f, n) => f.forEach((v, j) => expect(v).toBeCloseTo(expected[n * 6 + j] as number, 5)));

    // Default output: the model's first ("logits", 4-d); a missing output name is a model-file error.
    const first = await onnxFeatureExtractor(path);
    expect((await first.features(imgs.slice(0, 1)))[0]?.length).toBe(4);
    await first.close?.();
    await expect(onnxFeatureExtractor(path, { outputName: 'pool_3' })).rejects.toMatchObject({
      code: 'MODEL_FILE',
      message: expect.stringMatching(/no output "pool_3".*logits, pool/),
    });

    // Through the evaluator by config path: 1-channel 16×16 images, channels repeated and resized to 12×12.
    const viaConfig = await createFdEvaluator({
      features: { onnx: 'tiny_inception.onnx', outputName: 'pool', resize: 'bilinear', inputRange: [0, 1], mean, std },
    }).evaluate({ samples: [], images: stripes(1, 10) }, { samples: [], images: stripes(3, 10, true) }, context(dir));
    expect(value(viaConfig, 'fd.features')).toBe(6);
    expect(value(viaConfig, 'fd.all')).toBeGreaterThan(0);
    writeFileSync(join(dir, 'empty.onnx'), '');
    await expect(onnxFeatureExtractor(join(dir, 'empty.onnx'))).rejects.toMatchObject({ code: 'MODEL_FILE' });
  });

  it('resizes bilinearly with half-pixel centres (PyTorch align_corners=False) and by area', () => {
    const t = createImageTensor(1, 1, 2, Float32Array.of(0, 1));
    const out = new Float32Array(4);
    adaptImage(t, 1, 1, 4, 'bilinear', 1, 0, [0], [1], out, 0);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1]);
    const big = createImageTensor(1, 2, 4, Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const small = new Float32Array(2);
    adaptImage(big, 1, 1, 2, 'area', 1, 0, [0], [1], small, 0);
    expect(Array.from(small)).toEqual([3.5, 5.5]);
  });
});
