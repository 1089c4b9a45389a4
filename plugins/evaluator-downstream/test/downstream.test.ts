import type { LabelledSample, Metric } from '@netsynth/core';
import { createRng, isPluginDefinition, silentProgress } from '@netsynth/core';
import { asTableData, spearman, toyTraffic } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import plugin, { createDownstreamEvaluator, runDownstream, downstreamOptionsSchema } from '../src/index.js';

const ctx = { seed: 5, rng: createRng(5), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };
const fast = { forest: { trees: 20 }, boosting: { rounds: 20 } };
const byName = (metrics: Metric[]): Map<string, Metric> => new Map(metrics.map((m) => [m.name, m]));

function relabelled(samples: LabelledSample[], seed: number): LabelledSample[] {
  const labels = createRng(seed).shuffle(samples.map((s) => s.label));
  return samples.map((s, i) => ({ ...s, label: labels[i] as string }));
}

describe('evaluator-downstream', () => {
  const real = toyTraffic(1, 40, 'real');
  const goodSynthetic = toyTraffic(2, 40, 'syn');

  it('is a plugin definition with defaults', async () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.options.parse({})).toMatchObject({ testFraction: 0.3, mixRatios: [0.5, 1], balance: true });
  });

  it('a synthetic set from the same process trains classifiers as well as real data', async () => {
    const res = await createDownstreamEvaluator(fast).evaluate({ samples: real }, { samples: goodSynthetic }, ctx);
    const m = byName(res.metrics);
    for (const id of ['decision_tree', 'random_forest', 'gradient_boosting', 'logistic_regression', 'naive_bayes', 'mlp']) {
      const tstr = m.get(`tstr.${id}.accuracy`)!;
      expect(tstr.real, id).toBeGreaterThan(0.9);
      expect(tstr.synthetic, id).toBeGreaterThan(0.9);
      expect(m.get(`mix1.${id}.macro_f1`)?.value, id).toBeGreaterThan(0.9);
      expect(m.get(`balanced.${id}.accuracy`)?.value, id).not.toBeNull();
    }
    expect(m.get('tstr_over_trtr.accuracy')?.value).toBeGreaterThan(0.9);
    expect(m.get('test.samples')?.value).toBe(36);
    const table = asTableData(res.sections![0]!.data)!;
    expect(table.id).toBe('downstream-classifiers');
    expect(table.rows).toHaveLength(6);
    expect(table.columns).toContain('tstr accuracy');
  });

  it('adds TRTS, floors from real data of the synthetic size, per-class F1 and confusion matrices', async () => {
    const opts = downstreamOptionsSchema.parse({ ...fast, classifiers: ['random_forest', 'naive_bayes'] });
    const r = await runDownstream(real, goodSynthetic, opts, 5);
    const m = byName(r.metrics);
    for (const id of ['random_forest', 'naive_bayes']) {
      const trts = m.get(`trts.${id}.accuracy`);
      expect(trts?.value, id).toBeGreaterThan(0.8);
      expect(trts?.floor, id).toBe(trts?.real);
      expect(typeof m.get(`tstr.${id}.accuracy`)?.floor).toBe('number');
      expect(m.get(`mix1.${id}.accuracy`)?.floor).toBe(m.get(`mix1.${id}.accuracy`)?.real);
    }
    expect(typeof m.get('tstr_over_trtr.accuracy')?.floor).toBe('number');
    const perClass = r.metrics.filter((x) => x.class !== undefined);
    const classes = new Set(real.map((s) => s.label));
    expect(perClass).toHaveLength(2 * classes.size);
    for (const x of perClass) expect(x.name).toMatch(/^class\.[^.]+\.tstr\.(random_forest|naive_bayes)\.f1$/);
    const confusion = r.sections.map((s) => asTableData(s.data)).filter((t) => t?.id.startsWith('downstream-confusion'));
    expect(confusion.map((t) => t?.id)).toEqual([
      'downstream-confusion-trtr-random-forest',
      'downstream-confusion-tstr-random-forest',
      'downstream-confusion-trtr-naive-bayes',
      'downstream-confusion-tstr-naive-bayes',
    ]);
    const trtr = confusion[0];
    // Every real test sample is counted once.
    expect(trtr?.rows.reduce((n, row) => n + row.slice(1).reduce<number>((a, b) => a + (b as number), 0), 0)).toBe(r.testSamples);
  });

  it('synthetic samples with shuffled labels score near chance on real data', async () => {
    const r = await runDownstream(real, relabelled(goodSynthetic, 9), downstreamOptionsSchema.parse(fast), 5);
    const m = byName(r.metrics);
    for (const id of ['random_forest', 'gradient_boosting', 'logistic_regression', 'mlp']) {
      expect(m.get(`tstr.${id}.accuracy`)?.value, id).toBeLessThan(0.6);
      expect(m.get(`tstr.${id}.accuracy`)?.real, id).toBeGreaterThan(0.9);
    }
    expect(m.get('tstr_over_trtr.accuracy')?.value).toBeLessThan(0.7);
  });

  it('is deterministic for a seed, with a stratified real test set', async () => {
    const opts = downstreamOptionsSchema.parse({ ...fast, classifiers: ['random_forest', 'naive_bayes', 'logistic_regression'] });
    const a = await runDownstream(real, goodSynthetic, opts, 3);
    const b = await runDownstream(real, goodSynthetic, opts, 3);
    expect(b.outcomes).toEqual(a.outcomes);
    expect(a.testSamples).toBe(36);
    const spearman = byName(a.metrics).get('spearman.accuracy');
    expect(spearman?.direction).toBe('higher');
    if (spearman?.value !== null) expect(Math.abs(spearman?.value as number)).toBeLessThanOrEqual(1);
  });

  it('mixes real with synthetic at every ratio and ranks classifiers by Spearman between TRTR and TSTR accuracies', async () => {
    // Label noise on both sides (a quarter of the real, a third of the synthetic labels shuffled), so
    // the classifiers' accuracies differ and their ranks are defined.
    const noisyReal = relabelled(real, 5).map((s, i) => (i % 4 === 0 ? s : real[i]!));
    const noisy = relabelled(goodSynthetic, 4).map((s, i) => (i % 3 === 0 ? s : goodSynthetic[i]!));
    const r = await runDownstream(noisyReal, noisy, downstreamOptionsSchema.parse({ ...fast, mixRatios: [0.25, 1, 2] }), 8);
    const trtr = r.outcomes.filter((o) => o.scenario === 'trtr');
    expect(trtr.map((o) => o.classifier)).toEqual(['decision_tree', 'random_forest', 'gradient_boosting', 'logistic_regression', 'naive_bayes', 'mlp']);
    const realTrain = trtr[0]!.trainReal;
    for (const ratio of [0.25, 1, 2]) {
      const mix = r.outcomes.filter((o) => o.scenario === `mix${ratio}`);
      expect(mix, `mix${ratio}`).toHaveLength(6);
      // ratio × the real training set, capped by the synthetic samples there are (120).
      for (const o of mix) expect([o.trainReal, o.trainSynthetic]).toEqual([realTrain, Math.min(120, Math.round(ratio * realTrain))]);
    }
    const acc = (scenario: string): number[] => r.outcomes.filter((o) => o.scenario === scenario).map((o) => o.scores.accuracy as number);
    const rho = byName(r.metrics).get('spearman.accuracy')?.value;
    // A third of the synthetic labels shuffled: TSTR accuracies differ by classifier, so the rank correlation is defined.
    expect(rho).not.toBeNull();
    expect(rho).toBe(spearman(acc('trtr'), acc('tstr')));
    // With fewer than 3 classifiers there is no rank correlation to report.
    const two = await runDownstream(noisyReal, noisy, downstreamOptionsSchema.parse({ ...fast, classifiers: ['naive_bayes', 'mlp'] }), 8);
    expect(byName(two.metrics).get('spearman.accuracy')?.value).toBeNull();
  });

  it('balances rare classes with synthetic samples of those classes only', async () => {
    const skewed = real.filter((s, i) => s.label !== 'dns' || i % 24 === 1);
    const r = await runDownstream(skewed, goodSynthetic, downstreamOptionsSchema.parse({ ...fast, classifiers: ['naive_bayes'] }), 1);
    const bal = r.outcomes.find((o) => o.scenario === 'balanced')!;
    const trtr = r.outcomes.find((o) => o.scenario === 'trtr')!;
    // 5 dns kept, 2 of them (30 %, rounded) tested: 28 web, 28 bulk and 3 dns in training,
    // so 25 synthetic dns samples fill the gap and no other class gets any.
    expect(trtr.trainReal).toBe(59);
    expect(bal.trainSynthetic).toBe(25);
  });

  it('reports null scores when there is no synthetic data', async () => {
    const r = await runDownstream(real, [], downstreamOptionsSchema.parse({ ...fast, classifiers: ['naive_bayes'], mixRatios: [] }), 1);
    const m = byName(r.metrics);
    expect(m.get('tstr.naive_bayes.accuracy')?.value).toBeNull();
    expect(m.get('tstr.naive_bayes.accuracy')?.real).toBeGreaterThan(0.9);
    expect(m.get('spearman.accuracy')?.value).toBeNull();
  });
});

describe('evaluator-downstream with the generator training set', () => {
  it('trains the real baseline on it and tests on every real sample', async () => {
    const res = await createDownstreamEvaluator({ ...fast, classifiers: ['naive_bayes', 'random_forest'] }).evaluate(
      { samples: toyTraffic(7, 10, 'heldout'), training: { samples: toyTraffic(8, 20, 'train') } },
      { samples: toyTraffic(9, 20, 'syn') },
      ctx,
    );
    const m = byName(res.metrics);
    expect(m.get('test.samples')?.value).toBe(30);
    expect(m.get('tstr.random_forest.accuracy')?.real).toBeGreaterThan(0.9);
  });
});

describe('evaluator-downstream with one class', () => {
  it('scores nothing rather than a trivial 1', async () => {
    const one = toyTraffic(1, 10, 'r').map((s) => ({ ...s, label: 'all' }));
    const r = await runDownstream(one, one, downstreamOptionsSchema.parse({ ...fast, classifiers: ['naive_bayes'] }), 1);
    expect(r.realClasses).toBe(1);
    expect(byName(r.metrics).get('tstr.naive_bayes.accuracy')?.value).toBeNull();
    expect(byName(r.metrics).get('tstr.naive_bayes.accuracy')?.real).toBeNull();
  });
});
