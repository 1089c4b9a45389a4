import type { EvalSet, GeneratedSample, LabelledSample, Metric, ReportSection } from '@netsynth/core';
import { InvalidArgumentError, createRng } from '@netsynth/core';
import { cdfSection, ecdfPoints, quantile, sampleAtMost, stratifiedSplit, tableSection } from '@netsynth/evalkit';
import type { PrivacyOptions } from './options.js';
import { imageVector, nearestDistances, seriesVector } from './vectors.js';

export interface PrivacyResult {
  metrics: Metric[];
  sections: ReportSection[];
  /** Nearest-training distances of each real test sample and each synthetic sample. */
  realToTrain: number[];
  syntheticToTrain: number[];
  threshold: number | null;
  mode: 'series' | 'images';
  /** 'given' when EvalSet.training was supplied, 'split' when the real samples were halved. */
  reference: 'given' | 'split';
}

interface Sides<T> {
  train: T[];
  test: T[];
  synthetic: T[];
}

function halve<T extends { label: string }>(items: readonly T[], seed: number): { train: T[]; test: T[] } {
  if (items.length < 2) return { train: [...items], test: [] };
  const s = stratifiedSplit(
    items.map((i) => i.label),
    0.5,
    createRng(seed),
  );
  return { train: s.train.map((i) => items[i] as T), test: s.test.map((i) => items[i] as T) };
}

function referenceSets(
  real: EvalSet,
  synthetic: EvalSet,
  mode: 'series' | 'images',
  seed: number,
): { sides: Sides<LabelledSample> | Sides<GeneratedSample>; reference: 'given' | 'split' } {
  if (mode === 'images') {
    const given = real.training?.images;
    const split = given ? { train: given, test: real.images ?? [] } : halve(real.images ?? [], seed);
    return { sides: { ...split, synthetic: synthetic.images ?? [] }, reference: given ? 'given' : 'split' };
  }
  const given = real.training?.samples;
  const split = given ? { train: given, test: real.samples } : halve(real.samples, seed);
  return { sides: { ...split, synthetic: synthetic.samples }, reference: given ? 'given' : 'split' };
}

export function chooseMode(real: EvalSet, synthetic: EvalSet, options: PrivacyOptions): 'series' | 'images' {
  if (options.features !== 'auto') return options.features;
  const hasImages = (synthetic.images?.length ?? 0) > 0 && (real.images?.length ?? 0) > 0 && (real.training ? (real.training.images?.length ?? 0) > 0 : true);
  return hasImages ? 'images' : 'series';
}

/**
 * Distance to closest record (DCR): each synthetic sample's distance to its nearest training
 * sample, against the same distance for real held-out samples (which the generator never saw).
 * A generator that memorises puts synthetic samples much closer to training samples than
 * held-out real ones are.
 */
export function evaluatePrivacy(real: EvalSet, synthetic: EvalSet, options: PrivacyOptions, seed: number): PrivacyResult {
  const mode = chooseMode(real, synthetic, options);
  const { sides, reference } = referenceSets(real, synthetic, mode, seed);
  const rng = createRng(seed).fork('privacy');
  const cap = <T>(items: readonly T[], label: string): T[] => (options.maxSamples > 0 ? sampleAtMost(items, options.maxSamples, rng.fork(label)) : [...items]);
  const vec = (item: LabelledSample | GeneratedSample): Float64Array =>
    mode === 'images' ? imageVector((item as GeneratedSample).tensor, options.imagePoolSide) : seriesVector(item as LabelledSample, options.seriesLength);
  const train = cap<LabelledSample | GeneratedSample>(sides.train, 'train').map(vec);
  const test = cap<LabelledSample | GeneratedSample>(sides.test, 'test').map(vec);
  const syn = cap<LabelledSample | GeneratedSample>(sides.synthetic, 'synthetic').map(vec);
  const dims = new Set([...train, ...test, ...syn].map((v) => v.length));
  if (dims.size > 1) throw new InvalidArgumentError(`privacy: ${mode} of different sizes cannot be compared (${[...dims].join(', ')} values)`);

  const realToTrain = train.length ? nearestDistances(test, train) : [];
  const syntheticToTrain = train.length ? nearestDistances(syn, train) : [];
  const threshold = quantile(realToTrain, options.nearCopyPercentile / 100);
  const shareBelow = (ds: number[], t: number | null): number | null => (t === null || ds.length === 0 ? null : ds.filter((d) => d <= t).length / ds.length);
  const exact = (ds: number[]): number | null => (ds.length === 0 ? null : ds.filter((d) => d <= 1e-9).length / ds.length);
  const medianReal = quantile(realToTrain, 0.5);
  const medianSyn = quantile(syntheticToTrain, 0.5);

  // Closer to train than to held-out: with equal-sized train and test sets a generator that
  // does not memorise lands near 0.5.
  let closer: number | null = null;
  if (syn.length && test.length && train.length) {
    const trainEq = sampleAtMost(train, test.length, rng.fork('equal'));
    const toTrain = nearestDistances(syn, trainEq);
    const toTest = nearestDistances(syn, test);
    closer = toTrain.filter((d, i) => d < (toTest[i] as number)).length / syn.length;
  }

  const group = 'memorisation';
  // Floors: the real held-out samples are what unseen data looks like from the training set,
  // so their figures are what a generator that memorises nothing would score.
  const metrics: Metric[] = [
    {
      name: 'dcr.median',
      value: medianSyn,
      real: medianReal,
      synthetic: medianSyn,
      floor: medianReal,
      direction: 'info',
      group,
    },
    {
      name: 'dcr.median_ratio',
      value: medianSyn !== null && medianReal !== null && medianReal > 0 ? medianSyn / medianReal : null,
      floor: medianReal !== null && medianReal > 0 ? 1 : null,
      direction: 'higher',
      group,
      unit: 'ratio',
    },
    {
      name: 'near_copies.share',
      value: shareBelow(syntheticToTrain, threshold),
      real: shareBelow(realToTrain, threshold),
      synthetic: shareBelow(syntheticToTrain, threshold),
      floor: shareBelow(realToTrain, threshold),
      direction: 'lower',
      group,
      unit: 'share',
    },
    {
      name: 'exact_copies.share',
      value: exact(syntheticToTrain),
      real: exact(realToTrain),
      synthetic: exact(syntheticToTrain),
      floor: exact(realToTrain),
      direction: 'lower',
      group,
      unit: 'share',
    },
    // Ideal is about 0.5 (no closer to what it was trained on than to unseen data); well above 0.5
    // means memorisation, so neither 'lower' nor 'higher' is simply better.
    { name: 'closer_to_train.share', value: closer, direction: 'info', group, unit: 'share' },
    { name: 'near_copies.threshold', value: threshold, direction: 'info', group },
  ];
  const note =
    `${mode === 'images' ? 'Image tensors (pooled)' : `First ${options.seriesLength} packet sizes and inter-arrival times`}; ` +
    `${reference === 'given' ? 'training set given by the runner' : 'real samples split in halves (train / held-out), no training set given'}; ` +
    `${train.length} train, ${test.length} held-out real, ${syn.length} synthetic. ` +
    `Near-copy threshold: the ${options.nearCopyPercentile}th percentile of held-out-to-train distances.`;
  const sections: ReportSection[] = [
    cdfSection('Distance to the closest training sample', {
      id: 'cdf-privacy-dcr',
      xLabel: `distance to the nearest training sample (${mode})`,
      logX: false,
      series: [
        { name: 'real held-out', ...ecdfPoints(realToTrain) },
        { name: 'synthetic', ...ecdfPoints(syntheticToTrain) },
      ],
    }),
    tableSection('Memorisation', {
      id: 'privacy-memorisation',
      columns: ['measure', 'real held-out', 'synthetic'],
      rows: [
        ['median distance to nearest training sample', medianReal, medianSyn],
        [
          `share below the near-copy threshold (${threshold === null ? '—' : Number(threshold.toPrecision(4))})`,
          shareBelow(realToTrain, threshold),
          shareBelow(syntheticToTrain, threshold),
        ],
        ['share at distance 0 (exact copies)', exact(realToTrain), exact(syntheticToTrain)],
        ['share closer to train than to held-out (≈ 0.5 without memorisation)', null, closer],
      ],
      note,
    }),
  ];
  return { metrics, sections, realToTrain, syntheticToTrain, threshold, mode, reference };
}
