import { createRng, type EvalSet, type NetflowRecord, type PluginContext } from '@netsynth/core';
import { sampleOfRecord } from '@netsynth/records';
import { describe, expect, it } from 'vitest';
import { auroc, createAnomalyEvaluator, isolationForest, oneClassGaussian, recordFeatures } from '../src/index.js';

function records(n: number, seed: number, attack = false): NetflowRecord[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const pkt = attack ? 1 : 5 + rng.int(50);
    return {
      srcip: '10.0.0.1',
      dstip: '10.0.0.2',
      srcport: 40000 + i,
      dstport: attack ? 1 + rng.int(1000) : 443,
      proto: 6,
      ts: i,
      td: attack ? 0 : 1 + rng.next() * 5,
      pkt,
      byt: pkt * (attack ? 40 : 400 + rng.int(800)),
    };
  });
}
/** Evaluators read only the seed from their context. */
const ctx = { seed: 0 } as PluginContext;
const set = (list: [NetflowRecord[], string][]): EvalSet => ({
  samples: list.flatMap(([rs, label]) => rs.map((r, i) => sampleOfRecord(`${label}${i}`, label, r))),
});

describe('detectors', () => {
  it('isolation forest and one-class Gaussian score scans above normal flows', () => {
    const normal = records(400, 1).map(recordFeatures);
    const scans = records(40, 2, true).map(recordFeatures);
    const test = [...records(200, 3).map(recordFeatures), ...scans];
    const positive = test.map((_, i) => i >= 200);
    expect(auroc(test.map(isolationForest(normal, 100, 256, createRng(0))), positive)!).toBeGreaterThan(0.95);
    expect(auroc(test.map(oneClassGaussian(normal)), positive)!).toBeGreaterThan(0.95);
    expect(auroc([1, 2, 3, 4], [false, false, true, true])).toBe(1);
  });
});

describe('evaluator-anomaly', () => {
  it('real-trained vs synthetic-trained detectors scored on real, with AUROC when normal labels are given, and floors', async () => {
    const real = set([
      [records(200, 4), 'benign'],
      [records(20, 5, true), 'scan'],
    ]);
    real.training = set([
      [records(600, 6), 'benign'],
      [records(60, 7, true), 'scan'],
    ]);
    const good = await createAnomalyEvaluator({ normal: ['benign'] }).evaluate(
      real,
      set([
        [records(300, 8), 'benign'],
        [records(30, 9, true), 'scan'],
      ]),
      ctx,
    );
    const bad = await createAnomalyEvaluator({ normal: ['benign'] }).evaluate(
      real,
      set([
        [records(300, 10, true), 'benign'],
        [records(30, 11), 'scan'],
      ]),
      ctx,
    );
    const get = (r: typeof good, n: string) => r.metrics.find((m) => m.name === n)!;
    expect(good.metrics.every((m) => m.name.includes('anomal'))).toBe(true);
    expect(get(good, 'anomaly.iforest.auroc').real!).toBeGreaterThan(0.9);
    expect(get(good, 'anomaly.iforest.auroc').synthetic!).toBeGreaterThan(0.9);
    expect(get(bad, 'anomaly.iforest.auroc').synthetic!).toBeLessThan(get(good, 'anomaly.iforest.auroc').synthetic! - 0.3);
    expect(get(good, 'anomaly.gaussian.score_spearman').value!).toBeGreaterThan(get(bad, 'anomaly.gaussian.score_spearman').value!);
    expect(typeof get(good, 'anomaly.iforest.flag_agreement').floor).toBe('number');
  });
});
