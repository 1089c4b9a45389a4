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

  it('offers five families', () => {
    expect(families.map((f) => f.id)).toEqual([...CLASSIFIER_IDS]);
  });

  for (const id of CLASSIFIER_IDS) {
    it(`${id} separates Gaussian blobs (constant and noise columns included)`, () => {
      const family = families.find((f) => f.id === id)!;
      const model = family.fit({ ...train, classes: 3 }, 11);
      const s = score(test.labels, model.predict(test.rows));
      // Bayes error of these blobs is about 3%; every family should come near it.
      expect(s.accuracy).toBeGreaterThan(0.9);
      expect(s.macroF1).toBeGreaterThan(0.85);
      // Same data and seed: same predictions.
      expect(family.fit({ ...train, classes: 3 }, 11).predict(test.rows)).toEqual(model.predict(test.rows));
    });
  }

  it('a tree and a forest fit a training set without label noise exactly', () => {
    const small = blobs(3, [20, 20, 20]);
    for (const id of ['decision_tree', 'random_forest'] as const) {
      const model = families.find((f) => f.id === id)!.fit({ ...small, classes: 3 }, 1);
      expect(score(small.labels, model.predict(small.rows)).accuracy, id).toBeGreaterThan(0.95);
    }
  });

  it('works with one class in training', () => {
    for (const f of families) {
      const model = f.fit({ rows: [[1], [2], [3]], labels: [1, 1, 1], classes: 2 }, 0);
      expect(model.predict([[0], [5]])).toEqual([1, 1]);
    }
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
