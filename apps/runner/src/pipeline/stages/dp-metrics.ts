import type { EvaluationResult, FitPrivacy, JsonValue, Metric } from '@netsynth/core';
import type { StageMarker } from '../output-dir.js';

/** Name under which the training's privacy guarantee appears among the evaluators' results. */
export const TRAINING_PRIVACY = 'training-privacy';

/** The generator's (ε, δ) guarantee as the train stage recorded it (absent: not trained privately). */
export function trainingPrivacy(train: StageMarker | undefined): FitPrivacy | undefined {
  const details = train?.details as { privacy?: JsonValue } | undefined;
  const p = details?.privacy as FitPrivacy | null | undefined;
  return p && typeof p.epsilon === 'number' && typeof p.delta === 'number' ? p : undefined;
}

/**
 * metrics.json's `dp.epsilon` / `dp.delta` (with the noise and sampling behind them), so the
 * report and readers of metrics.json see the guarantee beside the measured privacy metrics.
 */
export function dpResult(p: FitPrivacy): EvaluationResult {
  const group = 'differential privacy';
  const metrics: Metric[] = [
    { name: 'dp.epsilon', value: p.epsilon, direction: 'lower', group },
    { name: 'dp.delta', value: p.delta, direction: 'lower', group },
    { name: 'dp.target_epsilon', value: p.targetEpsilon, direction: 'info', group },
    { name: 'dp.noise_multiplier', value: p.noiseMultiplier, direction: 'info', group },
    { name: 'dp.max_grad_norm', value: p.maxGradNorm, direction: 'info', group },
    { name: 'dp.sample_rate', value: p.sampleRate, direction: 'info', group },
    { name: 'dp.steps', value: p.steps, direction: 'info', group },
  ];
  const width = Math.max(...metrics.map((m) => m.name.length));
  const table = [
    `DP-SGD training (${p.accountant}); protected unit: ${p.unit}`,
    ...metrics.map((m) => `${m.name.padEnd(width)}  ${String(Number((m.value as number).toPrecision(6)))}`),
  ].join('\n');
  return {
    evaluator: TRAINING_PRIVACY,
    metrics,
    table,
    sections: [{ title: 'Differential privacy of the training', kind: 'text', data: { id: 'dp-training', text: table } }],
  };
}
