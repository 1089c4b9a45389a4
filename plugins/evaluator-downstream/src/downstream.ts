import type { LabelledSample, Metric, ReportSection } from '@netsynth/core';
import { createRng, deriveSeed } from '@netsynth/core';
import type { TableCell } from '@netsynth/evalkit';
import { analyseSample, floorReference, flowFeatures, sampleAtMost, spearman, stratifiedSplit, tableSection } from '@netsynth/evalkit';
import type { RuntimeOptions } from '@netsynth/nn';
import { classifierFamilies } from './families.js';
import type { DownstreamOptions } from './options.js';
import type { Scores } from './scores.js';
import { score } from './scores.js';

interface Labelled {
  features: number[];
  label: string;
}

/** One training set the classifiers are fitted on, and the set they are tested on (real test data unless `testOn` says synthetic). */
export interface Scenario {
  id: string;
  title: string;
  train: Labelled[];
  realCount: number;
  syntheticCount: number;
  /** TRTS (train real, test synthetic) tests on the synthetic samples; every other scenario on the real test set. */
  testOn?: 'synthetic';
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
    added.push(
      ...sampleAtMost(
        synthetic.filter((s) => s.label === label),
        need,
        rng.fork(label),
      ),
    );
  }
  return mixScenario('balanced', 'real + synthetic of rare classes', real, added);
}

/** Mean of b/a over the classifiers where both are known and a > 0. */
function meanRatio(a: readonly (number | null)[], b: readonly (number | null)[]): number | null {
  const r = a.flatMap((x, i) => (x !== null && x > 0 && b[i] !== null && b[i] !== undefined ? [(b[i] as number) / x] : []));
  return r.length ? r.reduce((x, y) => x + y, 0) / r.length : null;
}

type Find = (scenario: string, classifier: string) => Scores;

/**
 * Accuracy and macro-F1 of every scenario but the baselines, with `real` = TRTR and `floor` =
 * what real data reaches in the same role: TSTR's floor trains on real samples of the synthetic
 * set's size; TRTS's floor is TRTR (real test data instead of synthetic); a mix's floor is the
 * real training set alone (adding synthetic data should not fall below it).
 */
function scenarioMetrics(scenarios: readonly Scenario[], families: readonly string[], find: Find): Metric[] {
  const metrics: Metric[] = [];
  for (const family of families) {
    const base = find('trtr', family);
    for (const sc of scenarios) {
      if (sc.id === 'trtr' || sc.id === 'floor') continue;
      const s = find(sc.id, family);
      const floor = sc.id === 'tstr' ? find('floor', family) : base;
      for (const [key, pick] of [
        ['accuracy', (x: Scores) => x.accuracy],
        ['macro_f1', (x: Scores) => x.macroF1],
      ] as const) {
        metrics.push({
          name: `${sc.id}.${family}.${key}`,
          value: pick(s),
          real: pick(base),
          synthetic: pick(s),
          floor: pick(floor),
          direction: 'higher',
          group: sc.id,
        });
      }
    }
  }
  return metrics;
}

/** Per-class F1 of each classifier trained on synthetic data (TSTR), TRTR as `real`, the same-size real floor as `floor`. */
function perClassMetrics(classes: readonly string[], families: readonly string[], find: Find): Metric[] {
  const metrics: Metric[] = [];
  for (const family of families) {
    const [tstr, trtr, floor] = (['tstr', 'trtr', 'floor'] as const).map((id) => find(id, family).perClassF1);
    classes.forEach((label, c) => {
      const value = tstr?.[c] ?? null;
      metrics.push({
        name: `class.${label}.tstr.${family}.f1`,
        value,
        real: trtr?.[c] ?? null,
        synthetic: value,
        floor: floor?.[c] ?? null,
        direction: 'higher',
        group: 'per-class',
        class: label,
      });
    });
  }
  return metrics;
}

/** Confusion matrices (rows: true class, columns: predicted) of TRTR and TSTR per classifier. */
function confusionSections(classes: readonly string[], families: readonly string[], find: Find): ReportSection[] {
  const out: ReportSection[] = [];
  for (const family of families) {
    for (const id of ['trtr', 'tstr'] as const) {
      const m = find(id, family).confusion;
      if (!m) continue;
      out.push(
        tableSection(`Confusion matrix: ${family}, ${id === 'trtr' ? 'train real' : 'train synthetic'}, test real`, {
          id: `downstream-confusion-${id}-${family.replace(/_/g, '-')}`,
          columns: ['true \\ predicted', ...classes],
          rows: classes.map((label, t) => [label, ...(m[t] ?? [])]),
          note: 'Rows: the true class of each real test sample; columns: the class the classifier gave it.',
        }),
      );
    }
  }
  return out;
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
    const split = stratifiedSplit(
      realData.map((r) => r.label),
      options.testFraction,
      rng.fork('split'),
    );
    realTrain = split.train.map((i) => realData[i] as Labelled);
    realTest = split.test.map((i) => realData[i] as Labelled);
  }
  const classes = [...new Set([...realTrain, ...realTest, ...synData].map((r) => r.label))].sort();
  const classIndex = new Map(classes.map((c, i) => [c, i]));

  const scenarios: Scenario[] = [
    mixScenario('trtr', 'train real, test real', realTrain, []),
    mixScenario('tstr', 'train synthetic, test real', [], synData),
    // TSTR's floor: real training samples, as many per class as the synthetic set has.
    mixScenario('floor', 'train real of the synthetic size, test real', floorReference(realTrain, synData, deriveSeed(seed, 'floor')), []),
    { ...mixScenario('trts', 'train real, test synthetic', realTrain, []), testOn: 'synthetic' },
  ];
  for (const ratio of options.mixRatios) {
    const extra = sampleAtMost(synData, Math.round(ratio * realTrain.length), rng.fork(`mix${ratio}`));
    scenarios.push(mixScenario(`mix${ratio}`, `real + ${ratio}× synthetic`, realTrain, extra));
  }
  if (options.balance) scenarios.push(balancedScenario(realTrain, synData, deriveSeed(seed, 'balance')));

  const families = classifierFamilies(options, runtime);
  // With a single real class every classifier is trivially right: report nothing rather than 1.
  const realClasses = new Set([...realTrain, ...realTest].map((r) => r.label)).size;
  const outcomes: ScenarioOutcome[] = [];
  for (const sc of scenarios) {
    const train = options.maxTrainSamples > 0 ? sampleAtMost(sc.train, options.maxTrainSamples, rng.fork(`cap:${sc.id}`)) : sc.train;
    const test = sc.testOn === 'synthetic' ? synData : realTest;
    for (const family of families) {
      let scores: Scores = { accuracy: null, macroF1: null };
      if (train.length > 0 && test.length > 0 && realClasses >= 2) {
        const model = await family.fit(
          { rows: train.map((t) => t.features), labels: train.map((t) => classIndex.get(t.label) as number), classes: classes.length },
          deriveSeed(seed, `${sc.id}:${family.id}`),
        );
        try {
          scores = score(
            test.map((r) => classIndex.get(r.label) as number),
            await model.predict(test.map((r) => r.features)),
            classes.length,
          );
        } finally {
          await model.dispose?.();
        }
      }
      outcomes.push({ scenario: sc.id, classifier: family.id, trainReal: sc.realCount, trainSynthetic: sc.syntheticCount, scores });
    }
  }

  const find = (scenario: string, classifier: string): Scores =>
    outcomes.find((o) => o.scenario === scenario && o.classifier === classifier)?.scores ?? { accuracy: null, macroF1: null };
  const metrics: Metric[] = [
    ...scenarioMetrics(
      scenarios,
      families.map((f) => f.id),
      find,
    ),
  ];
  const trtrAcc = families.map((f) => find('trtr', f.id).accuracy);
  const tstrAcc = families.map((f) => find('tstr', f.id).accuracy);
  const pairs = trtrAcc.map((a, i) => [a, tstrAcc[i] ?? null] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  metrics.push({
    name: 'tstr_over_trtr.accuracy',
    value: meanRatio(trtrAcc, tstrAcc),
    floor: meanRatio(
      trtrAcc,
      families.map((f) => find('floor', f.id).accuracy),
    ),
    direction: 'higher',
    group: 'summary',
    unit: 'ratio',
  });
  metrics.push(
    ...perClassMetrics(
      classes,
      families.map((f) => f.id),
      find,
    ),
  );
  metrics.push({
    name: 'spearman.accuracy',
    value:
      pairs.length >= 3
        ? spearman(
            pairs.map((p) => p[0]),
            pairs.map((p) => p[1]),
          )
        : null,
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
    ...confusionSections(
      classes,
      families.map((f) => f.id),
      find,
    ),
  ];
  return { metrics, sections, outcomes, testSamples: realTest.length, realClasses };
}
