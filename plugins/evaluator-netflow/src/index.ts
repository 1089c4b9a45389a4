import type { Evaluator, LabelledSample, Metric, NetflowRecord } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { evaluatorOf, formatMetricTable, trainingReference, withFloors } from '@netsynth/evalkit';
import { recordsOfSamples } from '@netsynth/records';
import { recordMetrics } from './fidelity.js';
import { netflowOptionsSchema, type NetflowOptions, type NetflowOptionsInput } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { recordMetrics } from './fidelity.js';
export { RECORD_TESTS, validityShares } from './validity.js';
export { netflowOptionsSchema, type NetflowOptions, type NetflowOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-netflow';

function byLabel(list: readonly { record: NetflowRecord; label: string }[]): Map<string, NetflowRecord[]> {
  const out = new Map<string, NetflowRecord[]>();
  for (const { record, label } of list) out.set(label, [...(out.get(label) ?? []), record]);
  return out;
}

/** All metrics of real vs other: over every record, then per class (labels on both sides). */
function allMetrics(real: readonly LabelledSample[], other: readonly LabelledSample[], options: NetflowOptions): Metric[] {
  const r = recordsOfSamples(real);
  const o = recordsOfSamples(other);
  const metrics = recordMetrics(
    r.map((x) => x.record),
    o.map((x) => x.record),
  );
  if (!options.perClass) return metrics;
  const rl = byLabel(r);
  const ol = byLabel(o);
  for (const label of [...rl.keys()].sort()) {
    const mine = ol.get(label);
    if (mine?.length) metrics.push(...recordMetrics(rl.get(label)!, mine, label));
  }
  return metrics;
}

export function createNetflowEvaluator(input: NetflowOptionsInput = {}): Evaluator {
  const options = netflowOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, (real, synthetic, ctx) => {
    const metrics = allMetrics(real.samples, synthetic.samples, options);
    // Floor: real training records (as many per class as the synthetic side) against the same holdout.
    const reference = trainingReference(real, synthetic, ctx?.seed ?? 0);
    const out = reference ? withFloors(metrics, allMetrics(real.samples, reference, options)) : metrics;
    // The table shows the overall metrics; per-class ones are in the metrics list and the report.
    return { metrics: out, table: formatMetricTable(out.filter((m) => m.class === undefined)) };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description:
    "NetShare's fidelity and validity on flow records: JSD per categorical field (addresses by rank, ports, protocol), EMD of start, duration, packets, bytes, NetShare's validity tests, per class, each with its real-vs-real floor",
  options: netflowOptionsSchema,
  create: (options) => createNetflowEvaluator(options),
});
