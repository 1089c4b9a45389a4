import type { EvalSet, EvaluationResult, Evaluator } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { analyseSamples, formatMetricTable } from '@netsynth/evalkit';
import { compareDistributions } from './compare.js';
import type { DistributionOptions, DistributionOptionsInput } from './options.js';
import { distributionOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { compareDistributions, topPorts } from './compare.js';
export type { Comparison, TopPort } from './compare.js';
export { distributionOptionsSchema } from './options.js';
export type { DistributionOptions, DistributionOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-distribution';

export function createDistributionEvaluator(input: DistributionOptionsInput = {}): Evaluator {
  const options: DistributionOptions = distributionOptionsSchema.parse(input);
  return {
    name: EVALUATOR_NAME,
    async evaluate(real: EvalSet, synthetic: EvalSet): Promise<EvaluationResult> {
      const { metrics, sections } = compareDistributions(analyseSamples(real.samples), analyseSamples(synthetic.samples), options);
      return { evaluator: EVALUATOR_NAME, metrics, table: formatMetricTable(metrics), sections };
    },
  };
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description: "NetShare's fidelity metrics: JSD of categorical header fields, exact EMD of sizes and times, top-K ports, on packets and flows",
  options: distributionOptionsSchema,
  create: (options) => createDistributionEvaluator(options),
});
