import type { EvalSet, EvaluationResult, Evaluator, LabelledSample, PluginContext } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { analyseSamples, floorReference, formatMetricTable, withFloors } from '@netsynth/evalkit';
import { compareDistributions, comparePerClass } from './compare.js';
import type { DistributionOptions, DistributionOptionsInput } from './options.js';
import { distributionOptionsSchema } from './options.js';
import { compareTraces, traceSections } from './trace.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { compareDistributions, comparePerClass, topPorts } from './compare.js';
export type { Comparison, TopPort } from './compare.js';
export { compareTraces, holdoutShares, seriesOfFlows, thinFlows, traceFlows, traceSections, traceSeries, THINNING_DRAWS, TRACE_SERIES } from './trace.js';
export type { TraceFlow, TraceReference, TraceSeries } from './trace.js';
export { distributionOptionsSchema } from './options.js';
export type { DistributionOptions, DistributionOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-distribution';

/** The field metrics of one real-vs-other comparison: fields, per-class fields. */
function fieldMetrics(real: readonly LabelledSample[], other: readonly LabelledSample[], options: DistributionOptions) {
  const r = analyseSamples(real);
  const o = analyseSamples(other);
  const main = compareDistributions(r, o, options);
  const perClass = comparePerClass(r, o, options);
  return { metrics: main.metrics, perClass: perClass.metrics, sections: [...main.sections, ...perClass.sections] };
}

export function createDistributionEvaluator(input: DistributionOptionsInput = {}): Evaluator {
  const options: DistributionOptions = distributionOptionsSchema.parse(input);
  return {
    name: EVALUATOR_NAME,
    async evaluate(real: EvalSet, synthetic: EvalSet, ctx?: PluginContext): Promise<EvaluationResult> {
      const seed = ctx?.seed ?? 0;
      const training = real.training?.samples;
      // Trace metrics judge the other side at the holdout's flow density (trace.ts, holdoutShares).
      const trace = training?.length ? { training, seed } : undefined;
      const fields = fieldMetrics(real.samples, synthetic.samples, options);
      const result = [...fields.metrics, ...compareTraces(real.samples, synthetic.samples, trace), ...fields.perClass];
      // The floor: the generator's real training samples (as many per class as the synthetic
      // side has; for the trace, the whole training trace thinned alike) against the same
      // holdout — what real data itself scores.
      const reference = training?.length ? floorReference(training, synthetic.samples, seed) : undefined;
      const floors = reference && trace ? fieldMetrics(real.samples, reference, options) : undefined;
      const metrics =
        floors && trace ? withFloors(result, [...floors.metrics, ...compareTraces(real.samples, trace.training, trace), ...floors.perClass]) : result;
      const sections = [...fields.sections, ...traceSections(real.samples, synthetic.samples, trace, options.cdfPoints)];
      return { evaluator: EVALUATOR_NAME, metrics, table: formatMetricTable(metrics), sections };
    },
  };
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description:
    "NetShare's fidelity metrics: JSD of categorical header fields, exact EMD of sizes and times, top-K ports, on packets and flows, per class; trace metrics (flow inter-arrival, concurrency, packets/s, duration); each with its real-vs-real floor",
  options: distributionOptionsSchema,
  create: (options) => createDistributionEvaluator(options),
});
