import type { EvalSet, EvaluationResult, Evaluator, Metric, PluginContext, ReportSection } from '@netsynth/core';
import { formatMetricTable } from './table.js';

/** What an evaluator's scoring gives: its metrics, report sections, and a table when not all metrics belong in it. */
export interface Scored {
  metrics: Metric[];
  sections?: ReportSection[];
  table?: string;
}

/** `ctx` is optional so that tests and library users can score without a run's context. */
export type ScoreFn = (real: EvalSet, synthetic: EvalSet, ctx?: PluginContext) => Scored | Promise<Scored>;

/**
 * The Evaluator an evaluator plugin creates: every plugin's result names the evaluator and
 * tables its metrics the same way (formatMetricTable), so that part lives here and a plugin
 * writes only its scoring.
 */
export function evaluatorOf(name: string, score: ScoreFn, declared: Pick<Evaluator, 'needsPcap'> = {}): Evaluator {
  return {
    name,
    ...(declared.needsPcap !== undefined && { needsPcap: declared.needsPcap }),
    async evaluate(real: EvalSet, synthetic: EvalSet, ctx?: PluginContext): Promise<EvaluationResult> {
      const { metrics, sections, table } = await score(real, synthetic, ctx);
      return { evaluator: name, metrics, table: table ?? formatMetricTable(metrics), ...(sections !== undefined && { sections }) };
    },
  };
}
