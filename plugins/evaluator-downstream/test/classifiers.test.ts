import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { CLASSIFIER_IDS, classifierFamilies, downstreamOptionsSchema, score } from '../src/index.js';

/** Three Gaussian blobs in 6 dimensions (2 informative, 4 noise), one of them rare. */
function blobs(seed: number, perClass: number[]): { rows: number[][]; labels: number[] } {
  const rng = createRng(seed);
  const centres = [
    [0, 0],
    [4, 0],
    [0, 4],
  ];
  const rows: number[][] = [];
  const labels: number[] = [];
  perClass.forEach((count, k) => {
    for (let i = 0; i < count; i++) {
      const c = centres[k] as number[];
      rows.push([(c[0] as number) + rng.normal(), (c[1] as number) + rng.normal(), rng.normal() * 5, rng.next(), 7, rng.int(3)]);
      labels.push(k);
    }
  });
  return { rows, labels };
}

describe('classifier families', () => {
  const train = blobs(1, [150, 150, 30]);
  const test = blobs(2, [100, 100, 20]);
  const families = classifierFamilies(downstreamOptionsSchema.parse({ forest: { trees: 30 } }));

  it('offers six families, the MLP among them', () => {
    expect(families.map((f) => f.id)).toEqual([...CLASSIFIER_IDS]);
    expect(CLASSIFIER_IDS).toEqual(['decision_tree', 'random_forest', 'gradient_boosting', 'logistic_regression', 'naive_bayes', 'mlp']);
  });

  for (const id of CLASSIFIER_IDS) {
    it(`${id} separates Gaussian blobs (constant and noise columns included)`, async () => {
      const family = families.find((f) => f.id === id)!;
      const model = await family.fit({ ...train, classes: 3 }, 11);
      const predicted = await model.predict(test.rows);
      const s = score(test.labels, predicted);
      // Bayes error of these blobs is about 3%; every family should come near it.
      expect(s.accuracy).toBeGreaterThan(0.9);
      expect(s.macroF1).toBeGreaterThan(0.85);
      // Same data and seed: same predictions.
      const again = await family.fit({ ...train, classes: 3 }, 11);
      expect(await again.predict(test.rows)).toEqual(predicted);
      await model.dispose?.();
      await again.dispose?.();
    });
  }

  it('a tree and a forest fit a training set without label noise exactly', async () => {
    const small = blobs(3, [20, 20, 20]);
    for (const id of ['decision_tree', 'random_forest'] as const) {
      const model = await families.find((f) => f.id === id)!.fit({ ...small, classes: 3 }, 1);
      expect(score(small.labels, await model.predict(small.rows)).accuracy, id).toBeGreaterThan(0.95);
    }
  });

  it('works with one class in training', async () => {
    for (const f of families) {
      const model = await f.fit({ rows: [[1], [2], [3]], labels: [1, 1, 1], classes: 2 }, 0);
      expect(await model.predict([[0], [5]])).toEqual([1, 1]);
    }
  });

  it('the MLP (nn engine) learns a non-linear boundary a linear model cannot', async () => {
    // XOR of two signs: class = (a > 0) !== (b > 0); logistic regression stays near chance.
    const rng = createRng(4);
    const make = (n: number) => {
      const rows: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const a = rng.normal();
        const b = rng.normal();
        rows.push([a, b, rng.normal()]);
        labels.push(a > 0 !== b > 0 ? 1 : 0);
      }
      return { rows, labels };
    };
    const tr = make(600);
    const te = make(300);
    const fams = classifierFamilies(downstreamOptionsSchema.parse({ classifiers: ['mlp', 'logistic_regression'] }));
    const [mlpModel, lrModel] = await Promise.all(fams.map(async (f) => f.fit({ ...tr, classes: 2 }, 2)));
    expect(score(te.labels, await mlpModel!.predict(te.rows)).accuracy).toBeGreaterThan(0.9);
    expect(score(te.labels, await lrModel!.predict(te.rows)).accuracy).toBeLessThan(0.7);
    await mlpModel!.dispose?.();
  });
});

describe('scores', () => {
  it('computes accuracy and scikit-learn macro-F1', () => {
    // sklearn: f1_score([0,0,1,1,2],[0,1,1,1,0], average='macro') = (0.5 + 0.8 + 0) / 3
    const s = score([0, 0, 1, 1, 2], [0, 1, 1, 1, 0]);
    expect(s.accuracy).toBeCloseTo(0.6, 12);
    expect(s.macroF1).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
    expect(score([], [])).toEqual({ accuracy: null, macroF1: null });
  });
});
