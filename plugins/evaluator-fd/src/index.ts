import { isAbsolute, resolve } from 'node:path';
import type { EvalSet, Evaluator, GeneratedSample, Metric, PluginContext } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import type { TableCell } from '@netsynth/evalkit';
import { evaluatorOf, floorReference, tableSection, withFloors } from '@netsynth/evalkit';
import { pluginRuntime } from '@netsynth/nn';
import type { CnnTrainingInfo } from './cnn.js';
import { trainCnnExtractor } from './cnn.js';
import type { FeatureExtractor } from './extractors.js';
import { onnxFeatureExtractor, pooledFeatureExtractor } from './extractors.js';
import { frechetDistance, gaussianStats } from './frechet.js';
import type { FdOptions, FdOptionsInput } from './options.js';
import { fdOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { frechetDistance, gaussianStats, sqrtPsd } from './frechet.js';
export type { GaussianStats } from './frechet.js';
export { onnxFeatureExtractor, pooledFeatureExtractor } from './extractors.js';
export type { FeatureExtractor, OnnxExtractorOptions } from './extractors.js';
export { cnnCacheKey, cnnInputSize, trainCnnExtractor } from './cnn.js';
export type { CnnExtractor, CnnOptions, CnnTrainingInfo } from './cnn.js';
export { adaptImage, areaResize } from './resize.js';
export type { ResizeMode } from './resize.js';
export { cnnOptionsSchema, fdOptionsSchema, onnxFeaturesSchema } from './options.js';
export type { CnnOptionsInput, FdOptions, FdOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-fd';

/** The real images the default feature network learns from: the real side's images and, when given, the generator's (real) training images. */
function networkTrainingImages(real: EvalSet): GeneratedSample[] {
  return [...(real.images ?? []), ...(real.training?.images ?? [])];
}

async function makeExtractor(options: FdOptions, real: EvalSet, ctx: PluginContext | undefined): Promise<{ fx: FeatureExtractor; cnn?: CnnTrainingInfo }> {
  const f = options.features;
  if (f === 'pooled') return { fx: pooledFeatureExtractor(options.grid) };
  if (f === 'cnn') {
    const images = networkTrainingImages(real);
    const classes = new Set(images.map((s) => s.label)).size;
    if (classes < 2) {
      // A classifier of one class learns nothing: fall back to the fixed map (documented).
      ctx?.progress.warn('fd: the real images have fewer than 2 labels, so the feature network cannot be trained; using the pooled features');
      return { fx: pooledFeatureExtractor(options.grid) };
    }
    const cnn = await trainCnnExtractor(
      images,
      options.cnn,
      ctx?.seed ?? 0,
      ctx?.workDir ?? process.cwd(),
      ctx?.progress,
      ctx?.signal,
      pluginRuntime(ctx, options.executionProviders),
    );
    return { fx: cnn, cnn: cnn.info };
  }
  const baseDir = ctx?.baseDir ?? process.cwd();
  const fx = await onnxFeatureExtractor(isAbsolute(f.onnx) ? f.onnx : resolve(baseDir, f.onnx), {
    batchSize: f.batchSize,
    resize: f.resize,
    runtime: pluginRuntime(ctx, options.executionProviders),
    ...(f.inputName && { inputName: f.inputName }),
    ...(f.outputName && { outputName: f.outputName }),
    ...(f.inputSize && { inputSize: f.inputSize }),
    ...(f.inputRange && { inputRange: f.inputRange }),
    ...(f.sourceRange && { sourceRange: f.sourceRange }),
    ...(f.mean && { mean: f.mean }),
    ...(f.std && { std: f.std }),
  });
  return { fx };
}

/** FD over all images and per class (classes with at least minPerClass images on each side). */
function fdMetrics(
  fr: Float64Array[],
  realImages: readonly GeneratedSample[],
  fs: Float64Array[],
  synImages: readonly GeneratedSample[],
  options: FdOptions,
): { metrics: Metric[]; rows: TableCell[][] } {
  const all = frechetDistance(gaussianStats(fr), gaussianStats(fs));
  const metrics: Metric[] = [{ name: 'fd.all', value: all, direction: 'lower', group: 'fd' }];
  const rows: TableCell[][] = [['all', realImages.length, synImages.length, all]];
  if (!options.perClass) return { metrics, rows };
  for (const label of [...new Set(realImages.map((s) => s.label))].sort()) {
    const r = fr.filter((_, i) => realImages[i]?.label === label);
    const s = fs.filter((_, i) => synImages[i]?.label === label);
    if (r.length < options.minPerClass || s.length < options.minPerClass) continue;
    const v = frechetDistance(gaussianStats(r), gaussianStats(s));
    metrics.push({ name: `fd.class.${label}`, value: v, direction: 'lower', group: 'fd', class: label });
    rows.push([label, r.length, s.length, v]);
  }
  return { metrics, rows };
}

export function createFdEvaluator(input: FdOptionsInput = {}, extractor?: FeatureExtractor): Evaluator {
  const options: FdOptions = fdOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, async (real, synthetic, ctx) => {
    const realImages: GeneratedSample[] = real.images ?? [];
    const synImages: GeneratedSample[] = synthetic.images ?? [];
    const metrics: Metric[] = [];
    const rows: TableCell[][] = [];
    if (realImages.length < 2 || synImages.length < 2) {
      ctx?.progress.warn('fd: needs at least 2 real and 2 synthetic images; none given or too few');
      metrics.push({ name: 'fd.all', value: null, direction: 'lower', group: 'fd' });
      return { metrics };
    }
    const made = extractor ? { fx: extractor } : await makeExtractor(options, real, ctx);
    const fx = made.fx;
    try {
      const fr = await fx.features(realImages.map((s) => s.tensor));
      const fs = await fx.features(synImages.map((s) => s.tensor));
      const compared = fdMetrics(fr, realImages, fs, synImages, options);
      // The floor: the generator's real training images, as many per class as the synthetic
      // side has, against the same real images through the same features.
      const training = real.training?.images;
      if (training && training.length >= 2) {
        const reference = floorReference(training, synImages, ctx?.seed ?? 0);
        const floor = fdMetrics(fr, realImages, await fx.features(reference.map((s) => s.tensor)), reference, options);
        metrics.push(...withFloors(compared.metrics, floor.metrics));
        rows.push(...compared.rows.map((row) => [...row, floor.rows.find((f) => f[0] === row[0])?.[3] ?? null]));
      } else {
        metrics.push(...compared.metrics);
        rows.push(...compared.rows.map((row) => [...row, null]));
      }
      metrics.push({ name: 'fd.features', value: fr[0]?.length ?? 0, direction: 'info', group: 'fd', unit: 'dimensions' });
      if (made.cnn) metrics.push({ name: 'fd.cnn.train_accuracy', value: made.cnn.trainAccuracy, direction: 'info', group: 'fd', unit: 'share' });
    } finally {
      if (!extractor) await fx.close?.();
    }
    return {
      metrics,
      sections: [
        tableSection('Fréchet distance', {
          id: 'fd-table',
          columns: ['images', 'real', 'synthetic', 'Fréchet distance', 'floor (real training vs real)'],
          rows,
          note: `Features: ${fx.name}. With few images per class the covariance is rank-deficient and the FD is biased upwards; compare runs of equal size.`,
        }),
      ],
    };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description:
    'Fréchet distance between real and synthetic images, over the features of a small CNN trained on the real images (default), fixed pooled features, or a user ONNX feature extractor',
  options: fdOptionsSchema,
  create: (options) => createFdEvaluator(options),
});
