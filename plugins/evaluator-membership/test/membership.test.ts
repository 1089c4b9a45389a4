import type { GeneratedSample, Metric } from '@netsynth/core';
import { createImageTensor, createRng, isPluginDefinition, silentProgress } from '@netsynth/core';
import { toyTraffic } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import plugin, { createMembershipEvaluator, rocAuc, rocPoints } from '../src/index.js';

const ctx = { seed: 4, rng: createRng(4), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };
const byName = (metrics: Metric[]): Map<string, number | null> => new Map(metrics.map((m) => [m.name, m.value]));

/** n images of 2 labels: a label's mean pattern plus unit noise (a population to draw from). */
function images(n: number, seed: number): GeneratedSample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? 'a' : 'b';
    const data = Float32Array.from({ length: 64 }, (_, j) => (label === 'a' ? j / 64 : 1 - j / 64) + 0.5 * rng.normal());
    return { label, tensor: createImageTensor(1, 8, 8, data) };
  });
}

describe('ROC facts', () => {
  it('AUC is the Mann–Whitney probability, ties half', () => {
    expect(rocAuc([3, 4], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [3, 4])).toBe(0);
    expect(rocAuc([1, 1], [1, 1])).toBe(0.5);
    expect(rocAuc([1, 3], [2, 2])).toBe(0.5);
    expect(rocAuc([], [1])).toBeNull();
  });
  it('advantage is the best TPR − FPR and TPR at low FPR reads the curve', () => {
    const r = rocPoints([5, 4, 3, 0], [2, 1, 0.5, 6], 0.25);
    // Threshold 3: TPR 3/4, FPR 1/4 (the 6).
    expect(r.advantage).toBeCloseTo(0.5, 12);
    expect(r.tprAtFpr).toBeCloseTo(0.75, 12);
  });
});

describe('evaluator-membership', () => {
  const train = images(120, 1);
  const holdout = images(120, 2);

  it('is a plugin definition with defaults', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.options.parse({})).toMatchObject({ features: 'auto', maxSamples: 500, sameLabel: true });
  });

  it('catches a generator that copies its training set (AUC near 1)', async () => {
    const copies = train.map((s) => ({
      label: s.label,
      tensor: createImageTensor(
        1,
        8,
        8,
        s.tensor.data.map((x) => x + 0.01),
      ),
    }));
    const r = await createMembershipEvaluator().evaluate(
      { samples: [], images: holdout, training: { samples: [], images: train } },
      { samples: [], images: copies },
      ctx,
    );
    const m = byName(r.metrics);
    expect(m.get('mia.auc')).toBeGreaterThan(0.95);
    expect(m.get('mia.advantage')).toBeGreaterThan(0.8);
    expect(m.get('mia.candidates')).toBe(120);
  });

  it('finds nothing when the synthetic data are fresh draws of the same population (AUC near 0.5)', async () => {
    const fresh = images(240, 3);
    const r = await createMembershipEvaluator().evaluate(
      { samples: [], images: holdout, training: { samples: [], images: train } },
      { samples: [], images: fresh },
      ctx,
    );
    const m = byName(r.metrics);
    expect(Math.abs((m.get('mia.distance.auc') as number) - 0.5)).toBeLessThan(0.1);
    expect(Math.abs((m.get('mia.density.auc') as number) - 0.5)).toBeLessThan(0.1);
    expect(r.sections?.map((s) => s.kind)).toEqual(['table', 'cdf']);
  });

  it('works on packet series when there are no images', async () => {
    const real = toyTraffic(1, 20, 'train');
    const held = toyTraffic(2, 20, 'test');
    const r = await createMembershipEvaluator().evaluate({ samples: held, training: { samples: real } }, { samples: real }, ctx);
    // Synthetic = the training flows themselves: members sit at distance 0.
    expect(byName(r.metrics).get('mia.auc')).toBeGreaterThan(0.9);
  });

  it('says it cannot audit without the training set, and reports null', async () => {
    const warnings: string[] = [];
    const r = await createMembershipEvaluator().evaluate(
      { samples: [], images: holdout },
      { samples: [], images: train },
      { ...ctx, progress: { ...silentProgress, warn: (w: string) => warnings.push(w) } },
    );
    expect(byName(r.metrics).get('mia.auc')).toBeNull();
    expect(warnings.join()).toMatch(/no training set/);
  });
});
