import type { LabelledSample, Metric, ReportSection } from '@netsynth/core';
import { createRng, deriveSeed } from '@netsynth/core';
import type { TableCell } from '@netsynth/evalkit';
import { analyseSample, flowFeatures, sampleAtMost, spearman, stratifiedSplit, tableSection } from '@netsynth/evalkit';
import type { RuntimeOptions } from '@netsynth/nn';
import { classifierFamilies } from './families.js';
import type { DownstreamOptions } from './options.js';
import type { Scores } from './scores.js';
import { score } from './scores.js';

interface Labelled {
  features: number[];
  label: string;
}

/** One training set the classifiers are fitted on; every one is tested on the same real test set. */
export interface Scenario {
  id: string;
  title: string;
  train: Labelled[];
  realCount: number;
  syntheticCount: number;
}

export interface ScenarioOutcome {
  scenario: string;
  classifier: string;
  trainReal: number;
  trainSynthetic: number;
  scores: Scores;
}

export interface DownstreamResult {
  metrics: Metric[];
  sections: ReportSection[];
  outcomes: ScenarioOutcome[];
  testSamples: number;
  /** Distinct labels among the real samples; below 2 no classifier is scored. */
  realClasses: number;
}

const featurise = (samples: readonly LabelledSample[]): Labelled[] => samples.map((s) => ({ features: flowFeatures(analyseSample(s)), label: s.label }));

function mixScenario(id: string, title: string, real: Labelled[], synthetic: Labelled[]): Scenario {
  return { id, title, train: [...real, ...synthetic], realCount: real.length, syntheticCount: synthetic.length };
}

/** Real training set topped up, per class below the largest class, with synthetic samples of that class. */
function balancedScenario(real: Labelled[], synthetic: Labelled[], seed: number): Scenario {
  const counts = new Map<string, number>();
  for (const r of real) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  const target = Math.max(0, ...counts.values());
  const rng = createRng(seed);
  const added: Labelled[] = [];
  for (const label of [...counts.keys()].sort()) {
    const need = target - (counts.get(label) ?? 0);
    if (need <= 0) continue;
    added.push(...sampleAtMost(synthetic.filter((s) => s.label === label), need, rng.fork(label)));
  }
  return mixScenario('balanced', 'real + synthetic of rare classes', real, added);
}

/**
 * Without `training`, the real samples are split (stratified, seeded, `testFraction`) into the
 * real training and test sets. With `training` (the generator's own training samples), those
 * train the real baselines and every real sample is test data: the generator never saw it.
 */
export async function runDownstream(
  real: readonly LabelledSample[],
  synthetic: readonly LabelledSample[],
  options: DownstreamOptions,
  seed: number,
  training?: readonly LabelledSample[],
  runtime?: RuntimeOptions,
): Promise<DownstreamResult> {
  const rng = createRng(seed);
  const realData = featurise(real);
  const synData = featurise(synthetic);
  let realTrain: Labelled[];
  let realTest: Labelled[];
  if (training) {
    realTrain = featurise(training);
    realTest = realData;
  } else {
    const split = stratifiedSplit(realData.map((r) => r.label), options.testFraction, rng.fork('split'));
    realTrain = split.train.map((i) => realData[i] as Labelled);
    realTest = split.test.map((i) => realData[i] as Labelled);
  }
  const classes = [...new Set([...realTrain, ...realTest, ...synData].map((r) => r.label))].sort();
  const classIndex = new Map(classes.map((c, i) => [c, i]));

  const scenarios: Scenario[] = [
    mixScenario('trtr', 'train real, test real', realTrain, []),
    mixScenario('tstr', 'train synthetic, test real', [], synData),
  ];
  for (const ratio of options.mixRatios) {
    const extra = sampleAtMost(synData, Math.round(ratio * realTrain.length), rng.fork(`mix${ratio}`));
    scenarios.push(mixScenario(`mix${ratio}`, `real + ${ratio}× synthetic`, realTrain, extra));
  }
  if (options.balance) scenarios.push(balancedScenario(realTrain, synData, deriveSeed(seed, 'balance')));

  const families = classifierFamilies(options, runtime);
  // With a single real class every classifier is trivially right: report nothing rather than 1.
  const realClasses = new Set([...realTrain, ...realTest].map((r) => r.label)).size;
  const testRows = realTest.map((r) => r.features);
  const testTruth = realTest.map((r) => classIndex.get(r.label) as number);
  const outcomes: ScenarioOutcome[] = [];
  for (const sc of scenarios) {
    const train = options.maxTrainSamples > 0 ? sampleAtMost(sc.train, options.maxTrainSamples, rng.fork(`cap:${sc.id}`)) : sc.train;
    for (const family of families) {
      let scores: Scores = { accuracy: null, macroF1: null };
      if (train.length > 0 && realTest.length > 0 && realClasses >= 2) {
        const model = await family.fit(
          { rows: train.map((t) => t.features), labels: train.map((t) => classIndex.get(t.label) as number), classes: classes.length },
          deriveSeed(seed, `${sc.id}:${family.id}`),
        );
        try {
          scores = score(testTruth, await model.predict(testRows));
        } finally {
          await model.dispose?.();
        }
      }
      outcomes.push({ scenario: sc.id, classifier: family.id, trainReal: sc.realCount, trainSynthetic: sc.syntheticCount, scores });
    }
  }

  const find = (scenario: string, classifier: string): Scores =>
    outcomes.find((o) => o.scenario === scenario && o.classifier === classifier)?.scores ?? { accuracy: null, macroF1: null };
  const metrics: Metric[] = [];
  for (const family of families) {
    const base = find('trtr', family.id);
    for (const sc of scenarios) {
      if (sc.id === 'trtr') continue;
      const s = find(sc.id, family.id);
      metrics.push({ name: `${sc.id}.${family.id}.accuracy`, value: s.accuracy, real: base.accuracy, synthetic: s.accuracy, direction: 'higher', group: sc.id });
      metrics.push({ name: `${sc.id}.${family.id}.macro_f1`, value: s.macroF1, real: base.macroF1, synthetic: s.macroF1, direction: 'higher', group: sc.id });
    }
  }
  const trtrAcc = families.map((f) => find('trtr', f.id).accuracy);
  const tstrAcc = families.map((f) => find('tstr', f.id).accuracy);
  const pairs = trtrAcc.map((a, i) => [a, tstrAcc[i] ?? null] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  const ratios = pairs.filter(([a]) => a > 0).map(([a, b]) => b / a);
  metrics.push({
    name: 'tstr_over_trtr.accuracy',
    value: ratios.length ? ratios.reduce((x, y) => x + y, 0) / ratios.length : null,
    direction: 'higher',
    group: 'summary',
    unit: 'ratio',
  });
  metrics.push({
    name: 'spearman.accuracy',
    value: pairs.length >= 3 ? spearman(pairs.map((p) => p[0]), pairs.map((p) => p[1])) : null,
    direction: 'higher',
    group: 'summary',
  });
  metrics.push({ name: 'test.samples', value: realTest.length, direction: 'info', group: 'summary', unit: 'samples' });

  const rows: TableCell[][] = families.map((f) => [
    f.id,
    ...scenarios.flatMap((sc) => {
      const s = find(sc.id, f.id);
      return [s.accuracy, s.macroF1];
    }),
  ]);
  const sections: ReportSection[] = [
    tableSection('Classifiers (tested on real data)', {
      id: 'downstream-classifiers',
      columns: ['classifier', ...scenarios.flatMap((sc) => [`${sc.id} accuracy`, `${sc.id} macro-F1`])],
      rows,
      note: `${realClasses < 2 ? 'Fewer than 2 real classes: nothing to classify, no scores. ' : ''}${realTest.length} real test samples, ${classes.length} classes. ${scenarios.map((sc) => `${sc.id}: ${sc.title} (${sc.realCount} real + ${sc.syntheticCount} synthetic)`).join('; ')}.`,
    }),
  ];
  return { metrics, sections, outcomes, testSamples: realTest.length, realClasses };
}
