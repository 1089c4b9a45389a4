import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeneratedSample, ImageTensor } from '@netsynth/core';
import { createImageTensor, createRng, isPluginDefinition, silentProgress } from '@netsynth/core';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import plugin, { createFdEvaluator, frechetDistance, gaussianStats, onnxFeatureExtractor, pooledFeatureExtractor, sqrtPsd } from '../src/index.js';
import type { FeatureExtractor } from '../src/index.js';
import { linearReluOnnxModel } from './onnx-fixture.js';

const ctx = { seed: 1, rng: createRng(1), progress: silentProgress, workDir: tmpdir(), baseDir: tmpdir() };

describe('Fréchet distance', () => {
  it('is (μ₁−μ₂)² + (σ₁−σ₂)² in one dimension', () => {
    const rng = createRng(1);
    const a = Array.from({ length: 400 }, () => Float64Array.of(rng.normal()));
    const b = Array.from({ length: 300 }, () => Float64Array.of(3 + 2 * rng.normal()));
    const sa = gaussianStats(a);
    const sb = gaussianStats(b);
    const sd = (s: typeof sa): number => Math.sqrt(s.cov.get(0, 0));
    expect(frechetDistance(sa, sb)).toBeCloseTo(((sa.mean[0] as number) - (sb.mean[0] as number)) ** 2 + (sd(sa) - sd(sb)) ** 2, 10);
    expect(frechetDistance(sa, sb)).toBeGreaterThan(8);
  });

  it('matches the closed form for diagonal covariances and ignores a rotation-equal covariance', () => {
    const stats = (mean: number[], cov: number[][]) => ({ mean: Float64Array.from(mean), cov: new Matrix(cov), n: 10 });
    const a = stats(
      [0, 0, 0],
      [
        [4, 0, 0],
        [0, 1, 0],
        [0, 0, 9],
      ],
    );
    const b = stats(
      [1, 2, 0],
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    );
    // 1 + 4 + (2−1)² + 0 + (3−1)² = 10
    expect(frechetDistance(a, b)).toBeCloseTo(10, 10);
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    const R = new Matrix([
      [c, -s],
      [s, c],
    ]);
    const S = new Matrix([
      [5, 0],
      [0, 2],
    ]);
    const rotated = R.mmul(S).mmul(R.transpose());
    expect(frechetDistance(stats([0, 0], rotated.to2DArray()), stats([0, 3], rotated.to2DArray()))).toBeCloseTo(9, 9);
  });

  it('is 0 for identical feature sets and the PSD square root squares back', () => {
    const rng = createRng(4);
    const rows = Array.from({ length: 50 }, () => Float64Array.from({ length: 6 }, () => rng.normal()));
    expect(frechetDistance(gaussianStats(rows), gaussianStats([...rows].reverse()))).toBeLessThan(1e-8);
    const cov = gaussianStats(rows).cov;
    const root = sqrtPsd(cov);
    expect(root.mmul(root).sub(cov).norm()).toBeLessThan(1e-9);
  });

  it('needs two vectors per side', () => {
    expect(() => gaussianStats([Float64Array.of(1)])).toThrow(/at least 2/);
  });
});

function images(seed: number, count: number, brightness: number, label = 'a'): GeneratedSample[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => ({
    label,
    tensor: createImageTensor(
      1,
      8,
      8,
      Float32Array.from({ length: 64 }, (_, i) => Math.tanh(brightness + 0.3 * rng.normal() + (i % 8) / 8)),
    ),
  }));
}

describe('evaluator-fd', () => {
  it('is a plugin definition with the trained CNN by default; pooled and ONNX by option', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.options.parse({})).toMatchObject({ features: 'cnn', cnn: { inputSize: 'auto', featureSize: 64, steps: 300 }, grid: 6, perClass: true });
    expect(plugin.options.parse({ features: 'pooled' })).toMatchObject({ features: 'pooled' });
    expect(plugin.options.parse({ features: { onnx: 'inception.onnx', outputName: 'pool' } })).toMatchObject({
      features: { onnx: 'inception.onnx', outputName: 'pool', batchSize: 32, resize: 'bilinear' },
    });
  });

  it('ranks a shifted synthetic set further than a second draw of the real process', async () => {
    const real = images(1, 60, 0);
    const same = await createFdEvaluator({ features: 'pooled', grid: 2 }).evaluate(
      { samples: [], images: real },
      { samples: [], images: images(2, 60, 0) },
      ctx,
    );
    const shifted = await createFdEvaluator({ features: 'pooled', grid: 2 }).evaluate(
      { samples: [], images: real },
      { samples: [], images: images(3, 60, 0.8) },
      ctx,
    );
    const fd = (r: typeof same): number => r.metrics.find((m) => m.name === 'fd.all')?.value as number;
    expect(fd(shifted)).toBeGreaterThan(10 * fd(same));
    expect(same.metrics.find((m) => m.name === 'fd.class.a')?.value).toBeCloseTo(fd(same), 12);
    // pooled grid 2 on one channel: 4 + 2 + 2 + 2 features
    expect(same.metrics.find((m) => m.name === 'fd.features')?.value).toBe(10);
  });

  it('puts the real training images against the real ones as the floor; copies of the training images sit at it', async () => {
    const real = { samples: [], images: images(1, 40, 0), training: { samples: [], images: images(4, 60, 0) } };
    const fx = createFdEvaluator({ features: 'pooled', grid: 2 });
    const copies = await fx.evaluate(real, { samples: [], images: images(4, 60, 0) }, ctx);
    const all = copies.metrics.find((m) => m.name === 'fd.all');
    expect(typeof all?.floor).toBe('number');
    expect(all?.value).toBeCloseTo(all?.floor as number, 9);
    expect(copies.metrics.find((m) => m.name === 'fd.class.a')?.class).toBe('a');
    const shifted = await fx.evaluate(real, { samples: [], images: images(3, 60, 0.8) }, ctx);
    const s = shifted.metrics.find((m) => m.name === 'fd.all');
    expect(s?.value).toBeGreaterThan(5 * (s?.floor as number));
  });

  it('reports null without images', async () => {
    const r = await createFdEvaluator().evaluate({ samples: [] }, { samples: [] }, ctx);
    expect(r.metrics).toEqual([{ name: 'fd.all', value: null, direction: 'lower', group: 'fd' }]);
  });

  it('uses a user ONNX feature extractor and agrees with the same map computed in JS', async () => {
    const D = 5;
    const rng = createRng(8);
    const W = Float32Array.from({ length: 64 * D }, () => rng.normal() * 0.3);
    const dir = mkdtempSync(join(tmpdir(), 'fd-onnx-'));
    writeFileSync(join(dir, 'tiny.onnx'), linearReluOnnxModel(1, 8, 8, W, D));
    const reference: FeatureExtractor = {
      name: 'js',
      async features(ts: readonly ImageTensor[]) {
        return ts.map((t) => {
          const f = new Float64Array(D);
          for (let j = 0; j < D; j++) {
            let s = 0;
            for (let i = 0; i < 64; i++) s += Math.fround(t.data[i] as number) * (W[i * D + j] as number);
            f[j] = Math.max(0, s);
          }
          return f;
        });
      },
    };
    const real = images(1, 40, 0);
    const syn = images(2, 40, 0.5);
    const viaOnnx = await createFdEvaluator({ features: { onnx: 'tiny.onnx', batchSize: 16 } }).evaluate(
      { samples: [], images: real },
      { samples: [], images: syn },
      { ...ctx, baseDir: dir },
    );
    const viaJs = await createFdEvaluator({}, reference).evaluate({ samples: [], images: real }, { samples: [], images: syn }, ctx);
    const fd = (r: typeof viaJs): number => r.metrics.find((m) => m.name === 'fd.all')?.value as number;
    expect(fd(viaOnnx)).toBeGreaterThan(0);
    expect(fd(viaOnnx)).toBeCloseTo(fd(viaJs), 4);

    // A 3-channel 16×16 model fed 1-channel 8×8 images: channels repeated, nearest-neighbour resize.
    writeFileSync(
      join(dir, 'rgb.onnx'),
      linearReluOnnxModel(
        3,
        16,
        16,
        Float32Array.from({ length: 768 * 2 }, (_, i) => ((i % 7) - 3) / 10),
        2,
      ),
    );
    const fx = await onnxFeatureExtractor(join(dir, 'rgb.onnx'));
    const out = await fx.features(real.slice(0, 3).map((s) => s.tensor));
    expect(out.map((f) => f.length)).toEqual([2, 2, 2]);
    await fx.close?.();

    writeFileSync(join(dir, 'broken.onnx'), 'not a model');
    await expect(onnxFeatureExtractor(join(dir, 'broken.onnx'))).rejects.toMatchObject({ code: 'MODEL_FILE' });
  });

  it('the pooled extractor sees channel structure', async () => {
    const fx = pooledFeatureExtractor(2);
    const t = createImageTensor(
      2,
      4,
      4,
      Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? 1 : -1)),
    );
    const [f] = await fx.features([t]);
    expect(f?.length).toBe(20);
    expect(f?.[8]).toBe(1); // channel 0 mean
    expect(f?.[18]).toBe(-1); // channel 1 mean
  });
});
