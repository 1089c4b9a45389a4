import type { EvalSet, LabelledSample, Metric } from '@netsynth/core';
import { createRng } from '@netsynth/core';
import { sampleAtMost } from './split.js';

/**
 * Real training items standing in for the synthetic set when computing floors: per label, as
 * many as the synthetic side has of that label (a seeded choice; all of them when there are
 * fewer). Comparing them with the real holdout gives what real data scores against itself at
 * the synthetic set's size, so small-sample bias is in the floor too.
 */
export function floorReference<T extends { label: string }>(training: readonly T[], like: readonly { label: string }[], seed: number): T[] {
  const want = new Map<string, number>();
  for (const s of like) want.set(s.label, (want.get(s.label) ?? 0) + 1);
  const rng = createRng(seed).fork('floor');
  const out: T[] = [];
  for (const label of [...want.keys()].sort()) {
    out.push(
      ...sampleAtMost(
        training.filter((t) => t.label === label),
        want.get(label) as number,
        rng.fork(label),
      ),
    );
  }
  return out;
}

/**
 * The floor stand-in of an evaluation (floorReference of the real training samples against the
 * synthetic set), or undefined when the run gave no training samples: then there is no floor.
 */
export function trainingReference(real: EvalSet, synthetic: EvalSet, seed: number): LabelledSample[] | undefined {
  const training = real.training?.samples;
  return training?.length ? floorReference(training, synthetic.samples, seed) : undefined;
}

const metricKey = (m: Pick<Metric, 'name' | 'class'>): string => `${m.class ?? ''}\u0000${m.name}`;

/**
 * Each comparative metric (direction lower or higher) gets `floor` = the value of the metric
 * of the same name and class in `floors` (the real-vs-real run of the same comparison).
 */
export function withFloors(metrics: readonly Metric[], floors: readonly Metric[]): Metric[] {
  const byKey = new Map(floors.map((f) => [metricKey(f), f.value]));
  return metrics.map((m) => (m.direction === 'info' || !byKey.has(metricKey(m)) ? m : { ...m, floor: byKey.get(metricKey(m)) ?? null }));
}

/** Share of the comparative metrics that carry a numeric floor (for checks and summaries). */
export function floorCoverage(metrics: readonly Metric[]): number {
  const comparative = metrics.filter((m) => m.direction !== 'info');
  return comparative.length === 0 ? 0 : comparative.filter((m) => typeof m.floor === 'number').length / comparative.length;
}
