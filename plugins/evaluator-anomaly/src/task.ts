import { createRng, type Metric, type NetflowRecord } from '@netsynth/core';
import { spearman } from '@netsynth/evalkit';
import { isolationForest, oneClassGaussian, type Detector } from './detectors.js';
import { recordFeatures } from './features.js';
import type { AnomalyOptions } from './options.js';

export const MODELS = ['iforest', 'gaussian'] as const;
type Model = (typeof MODELS)[number];

export interface LabelledRecord {
  record: NetflowRecord;
  label: string;
}

function train(model: Model, rows: readonly number[][], options: AnomalyOptions, seed: number): Detector {
  return model === 'iforest' ? isolationForest(rows, options.trees, options.subsample, createRng(seed)) : oneClassGaussian(rows);
}

/** Indices of the top `share` scores. */
function flagged(scores: readonly number[], share: number): Set<number> {
  const n = Math.max(1, Math.round(scores.length * share));
  return new Set(
    scores
      .map((s, i) => [s, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, n)
      .map(([, i]) => i),
  );
}

/** Area under the ROC curve of scores for positives (Mann–Whitney, ties counted half). */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number | null {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  if (!pos.length || !neg.length) return null;
  const all = scores.map((s, i) => [s, positive[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k]![1]) rankSum += avg;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/**
 * The anomaly-detection task: each model trained once on the real training records and once
 * on the other (synthetic) records, both scored on the real test records. With normal labels,
 * training keeps those only and each detector's AUROC for the other labels is reported.
 */
export function anomalyMetrics(
  realTrain: readonly LabelledRecord[],
  other: readonly LabelledRecord[],
  test: readonly LabelledRecord[],
  options: AnomalyOptions,
  seed: number,
): Metric[] {
  const normal = new Set(options.normal);
  const keep = (list: readonly LabelledRecord[]): number[][] =>
    (normal.size ? list.filter((r) => normal.has(r.label)) : list).map((r) => recordFeatures(r.record));
  const a = keep(realTrain);
  const b = keep(other);
  const x = test.map((r) => recordFeatures(r.record));
  const out: Metric[] = [];
  for (const model of MODELS) {
    const ok = a.length >= 2 && b.length >= 2 && x.length >= 2;
    const sa = ok ? x.map(train(model, a, options, seed)) : [];
    const sb = ok ? x.map(train(model, b, options, seed)) : [];
    const fa = flagged(sa, options.contamination);
    const fb = flagged(sb, options.contamination);
    const both = [...fa].filter((i) => fb.has(i)).length;
    const group = 'anomaly detection';
    out.push({ name: `anomaly.${model}.score_spearman`, value: ok ? spearman(sa, sb) : null, direction: 'higher', group, unit: 'Spearman of test scores' });
    out.push({
      name: `anomaly.${model}.flag_agreement`,
      value: ok ? both / (fa.size + fb.size - both) : null,
      direction: 'higher',
      group,
      unit: 'Jaccard of flagged test records',
    });
    if (normal.size) {
      const positive = test.map((r) => !normal.has(r.label));
      const ra = ok ? auroc(sa, positive) : null;
      const rb = ok ? auroc(sb, positive) : null;
      out.push({ name: `anomaly.${model}.auroc`, value: rb, direction: 'higher', group, real: ra, synthetic: rb, unit: 'AUROC of non-normal labels' });
    }
  }
  return out;
}
