import { isAbsolute, resolve } from 'node:path';
import type { EvalSet, EvaluationResult, Evaluator, GeneratedSample, Metric, PluginContext } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import type { TableCell } from '@netsynth/evalkit';
import { formatMetricTable, tableSection } from '@netsynth/evalkit';
import type { FeatureExtractor } from './extractors.js';
import { onnxFeatureExtractor, pooledFeatureExtractor } from './extractors.js';
import { frechetDistance, gaussianStats } from './frechet.js';
import type { FdOptions, FdOptionsInput } from './options.js';
import { fdOptionsSchema } from './options.js';

export { frechetDistance, gaussianStats, sqrtPsd } from './frechet.js';
export type { GaussianStats } from './frechet.js';
export { onnxFeatureExtractor, pooledFeatureExtractor } from './extractors.js';
export type { FeatureExtractor, OnnxExtractorOptions } from './extractors.js';
export { fdOptionsSchema } from './options.js';
export type { FdOptions, FdOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-fd';

async function makeExtractor(options: FdOptions, baseDir: string): Promise<FeatureExtractor> {
  if (options.extractor === 'pooled') return pooledFeatureExtractor(options.grid);
  const e = options.extractor;
  return onnxFeatureExtractor(isAbsolute(e.onnx) ? e.onnx : resolve(baseDir, e.onnx), {
    batchSize: e.batchSize,
    ...(e.inputSize && { inputSize: e.inputSize }),
    ...(e.inputRange && { inputRange: e.inputRange }),
    ...(e.sourceRange && { sourceRange: e.sourceRange }),
  });
}

export function createFdEvaluator(input: FdOptionsInput = {}, extractor?: FeatureExtractor): Evaluator {
  const options: FdOptions = fdOptionsSchema.parse(input);
  return {
    name: EVALUATOR_NAME,
    async evaluate(real: EvalSet, synthetic: EvalSet, ctx?: PluginContext): Promise<EvaluationResult> {
      const realImages: GeneratedSample[] = real.images ?? [];
      const synImages: GeneratedSample[] = synthetic.images ?? [];
      const metrics: Metric[] = [];
      const rows: TableCell[][] = [];
      if (realImages.length < 2 || synImages.length < 2) {
        ctx?.progress.warn('fd: needs at least 2 real and 2 synthetic images; none given or too few');
        metrics.push({ name: 'fd.all', value: null, direction: 'lower', group: 'fd' });
        return { evaluator: EVALUATOR_NAME, metrics, table: formatMetricTable(metrics) };
      }
      const fx = extractor ?? (await makeExtractor(options, ctx?.baseDir ?? process.cwd()));
      try {
        const fr = await fx.features(realImages.map((s) => s.tensor));
        const fs = await fx.features(synImages.map((s) => s.tensor));
        const all = frechetDistance(gaussianStats(fr), gaussianStats(fs));
        metrics.push({ name: 'fd.all', value: all, direction: 'lower', group: 'fd' });
        rows.push(['all', realImages.length, synImages.length, all]);
        if (options.perClass) {
          const labels = [...new Set(realImages.map((s) => s.label))].sort();
          for (const label of labels) {
            const r = fr.filter((_, i) => realImages[i]?.label === label);
            const s = fs.filter((_, i) => synImages[i]?.label === label);
            if (r.length < options.minPerClass || s.length < options.minPerClass) continue;
            const v = frechetDistance(gaussianStats(r), gaussianStats(s));
            metrics.push({ name: `fd.class.${label}`, value: v, direction: 'lower', group: 'fd' });
            rows.push([label, r.length, s.length, v]);
          }
        }
        metrics.push({ name: 'fd.features', value: fr[0]?.length ?? 0, direction: 'info', group: 'fd', unit: 'dimensions' });
      } finally {
        if (!extractor) await fx.close?.();
      }
      return {
        evaluator: EVALUATOR_NAME,
        metrics,
        table: formatMetricTable(metrics),
        sections: [
          tableSection('Fréchet distance', {
            id: 'fd-table',
            columns: ['images', 'real', 'synthetic', 'Fréchet distance'],
            rows,
            note: `Features: ${fx.name}. With few images per class the covariance is rank-deficient and the FD is biased upwards; compare runs of equal size.`,
          }),
        ],
      };
    },
  };
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: '0.1.0',
  description: 'Fréchet distance between real and synthetic images, over fixed pooled features or a user ONNX feature extractor',
  options: fdOptionsSchema,
  create: (options) => createFdEvaluator(options),
});
