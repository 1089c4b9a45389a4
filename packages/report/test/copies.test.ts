import type { EvaluationResult } from '@netsynth/core';
import { createRng, silentProgress } from '@netsynth/core';
import { toyTraffic } from '@netsynth/evalkit';
import { createDistributionEvaluator } from '@netsynth/evaluator-distribution';
import { createPrivacyEvaluator } from '@netsynth/evaluator-privacy';
import { describe, expect, it } from 'vitest';
import { buildScorecard, judge } from '../src/index.js';

const ctx = { seed: 3, rng: createRng(3), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };

async function evaluate(synthetic: ReturnType<typeof toyTraffic>): Promise<EvaluationResult[]> {
  const real = { samples: toyTraffic(1, 30, 'holdout'), training: { samples: toyTraffic(2, 40, 'train') } };
  return [
    await createDistributionEvaluator().evaluate(real, { samples: synthetic }, ctx),
    await createPrivacyEvaluator().evaluate(real, { samples: synthetic }, ctx),
  ];
}

describe('a generator that returns its training flows verbatim', () => {
  it('scores at or beyond the floor on fidelity and fails the privacy card', async () => {
    const copies = toyTraffic(2, 40, 'train');
    const results = await evaluate(copies);
    const cards = buildScorecard(results);
    const fidelity = cards.find((c) => c.id === 'fidelity');
    expect(fidelity?.figures.length).toBeGreaterThanOrEqual(3);
    for (const f of fidelity?.figures ?? []) {
      expect(f.floor, f.label).not.toBeNull();
      expect(f.value as number, f.label).toBeLessThanOrEqual((f.floor as number) + 1e-9);
    }
    expect(fidelity?.verdict).toBe('pass');
    const privacy = cards.find((c) => c.id === 'privacy');
    expect(privacy?.verdict).toBe('fail');
    expect(privacy?.words).toMatch(/memorises/);
    const exact = privacy?.figures.find((f) => f.label.startsWith('exact copies'));
    expect(exact?.value).toBe(1);
  });

  it('while an independent draw of the same process passes the privacy card', async () => {
    const cards = buildScorecard(await evaluate(toyTraffic(7, 40, 'fresh')));
    expect(cards.find((c) => c.id === 'privacy')?.verdict).not.toBe('fail');
  });

  it('judges figures against their floors by direction', () => {
    expect(judge({ label: 'd', value: 0.1, floor: 0.1, direction: 'lower' })).toBe('pass');
    expect(judge({ label: 'd', value: 0.25, floor: 0.1, direction: 'lower' })).toBe('warn');
    expect(judge({ label: 'd', value: 0.9, floor: 0.1, direction: 'lower' })).toBe('fail');
    expect(judge({ label: 'a', value: 0.88, floor: 0.9, direction: 'higher' })).toBe('pass');
    expect(judge({ label: 'a', value: 0.5, floor: 0.9, direction: 'higher' })).toBe('fail');
    expect(judge({ label: 'a', value: 0.5, floor: null, direction: 'higher' })).toBe('none');
  });

  it('shows dp.epsilon / dp.delta and mia.auc on the privacy card when present', () => {
    const results: EvaluationResult[] = [
      {
        evaluator: 'x',
        table: '',
        metrics: [
          { name: 'exact_copies.share', value: 0, floor: 0, direction: 'lower' },
          { name: 'mia.auc', value: 0.71, direction: 'lower' },
          { name: 'dp.epsilon', value: 4, direction: 'info' },
          { name: 'dp.delta', value: 1e-5, direction: 'info' },
        ],
      },
    ];
    const privacy = buildScorecard(results).find((c) => c.id === 'privacy');
    expect(privacy?.figures.map((f) => f.label)).toEqual([
      'exact copies of training samples (share)',
      'differential privacy ε',
      'differential privacy δ',
      'membership inference AUC',
    ]);
    expect(privacy?.verdict).toBe('fail');
    expect(privacy?.words).toContain('ε = 4');
  });
});
