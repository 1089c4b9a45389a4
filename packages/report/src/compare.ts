import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationResult, Metric } from '@netsynth/core';
import { OutputExistsError, writeFileAtomic } from '@netsynth/core';
import type { CdfSectionData, CdfSeries } from '@netsynth/evalkit';
import { asCdfData, formatNumber } from '@netsynth/evalkit';
import { renderCdfSvg } from './cdf-plot.js';
import { esc } from './html.js';
import { buildScorecard } from './scorecard.js';
import { REPORT_CSS } from './style.js';

/** One run in a comparison: a name for its column and the evaluators' results from its metrics.json. */
export interface ComparedRun {
  name: string;
  results: EvaluationResult[];
}

const VERDICT_WORD = { pass: 'as good as real', warn: 'worse than real', fail: 'fails', none: 'not measured' } as const;

function scorecards(runs: readonly ComparedRun[]): string {
  const cards = runs.map((r) => buildScorecard(r.results));
  const rows = (cards[0] ?? []).map((c, i) => {
    const cells = cards.map((cs) => {
      const card = cs[i];
      if (!card) return '<td>—</td>';
      const head = card.figures.find((f) => f.value !== null);
      return `<td class="card ${card.verdict}" data-verdict="${card.verdict}"><strong>${VERDICT_WORD[card.verdict]}</strong>${head ? `<br>${esc(head.label)}: ${esc(formatNumber(head.value))} (floor ${esc(formatNumber(head.floor))})` : ''}</td>`;
    });
    return `<tr><th>${esc(c.title)}</th>${cells.join('')}</tr>`;
  });
  return `<table id="compare-scorecards"><thead><tr><th>card</th>${runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Overall CDFs present in any run: the first run's real curve, then each run's synthetic curve. */
function overlaidCdfs(runs: readonly ComparedRun[]): string {
  const byId = new Map<string, { title: string; data: CdfSectionData; perRun: (CdfSeries | undefined)[] }>();
  runs.forEach((run, k) => {
    for (const r of run.results) {
      for (const s of r.sections ?? []) {
        const data = s.kind === 'cdf' ? asCdfData(s.data) : null;
        if (!data || data.classLabel !== undefined) continue;
        const entry = byId.get(data.id) ?? { title: s.title, data, perRun: [] };
        entry.perRun[k] = data.series.find((x) => x.name === 'synthetic');
        byId.set(data.id, entry);
      }
    }
  });
  const plots = [...byId.values()].map(({ title, data, perRun }) => {
    const real = data.series.find((x) => x.name === 'real' || x.name === 'real held-out');
    const series: CdfSeries[] = [
      ...(real ? [{ ...real, name: 'real' }] : []),
      ...runs.flatMap((run, k) => (perRun[k] ? [{ ...(perRun[k] as CdfSeries), name: run.name }] : [])),
    ];
    return `<div class="plot">${renderCdfSvg(title, { ...data, id: `compare-${data.id}`, series })}</div>`;
  });
  return plots.length ? `<div class="plots">${plots.join('')}</div>` : '<p class="empty">No run has CDFs.</p>';
}

const key = (evaluator: string, m: Metric): string => `${evaluator}\u0000${m.name}`;

/** Each overall comparative metric: every run's value, and the change from the first run (marked better or worse by direction). */
function deltas(runs: readonly ComparedRun[]): string {
  const order: { evaluator: string; metric: Metric }[] = [];
  const values = runs.map(() => new Map<string, number | null>());
  runs.forEach((run, k) => {
    for (const r of run.results) {
      for (const m of r.metrics) {
        if (m.class !== undefined || m.direction === 'info') continue;
        const id = key(r.evaluator, m);
        if (!values.some((v) => v.has(id))) order.push({ evaluator: r.evaluator, metric: m });
        values[k]?.set(id, m.value);
      }
    }
  });
  const rows = order.map(({ evaluator, metric }) => {
    const id = key(evaluator, metric);
    const base = values[0]?.get(id);
    const cells = runs.map((_, k) => `<td class="num">${esc(formatNumber(values[k]?.get(id) ?? null))}</td>`);
    const last = values[runs.length - 1]?.get(id);
    const delta = typeof base === 'number' && typeof last === 'number' ? last - base : null;
    const better = delta === null || delta === 0 ? '' : delta < 0 === (metric.direction === 'lower') ? 'better' : 'worse';
    return `<tr data-metric="${esc(metric.name)}"><td>${esc(metric.name)}</td>${cells.join('')}<td class="num ${better}">${esc(formatNumber(delta))}</td><td>${better}</td></tr>`;
  });
  const head = `<th>metric</th>${runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}<th>change (${esc(runs[runs.length - 1]?.name ?? '')} − ${esc(runs[0]?.name ?? '')})</th><th></th>`;
  return `<table id="compare-deltas"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One self-contained page with the runs side by side: scorecards, overlaid CDFs, metric changes. */
export function renderComparison(runs: readonly ComparedRun[], title = 'netsynth comparison'): string {
  const body = [
    `<section id="scorecard"><h2>Scorecards</h2><p class="note">Each run's four cards, with its headline figure and floor.</p>${scorecards(runs)}</section>`,
    `<section id="distributions"><h2>Distributions (each run's synthetic CDF over the first run's real one)</h2>${overlaidCdfs(runs)}</section>`,
    `<section id="deltas"><h2>Metric changes</h2><details open><summary>${runs.length} runs, overall metrics</summary>${deltas(runs)}</details></section>`,
  ].join('');
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${esc(title)}</title><style>${REPORT_CSS}\ntd.better { color: #0b7a3e; } td.worse { color: #a5281b; }</style></head>` +
    `<body><header><h1>${esc(title)}</h1><dl>${runs.map((r, i) => `<dt>run ${i + 1}</dt><dd>${esc(r.name)}</dd>`).join('')}</dl></header><main>${body}</main></body></html>\n`
  );
}

/** Writes report.html of the comparison into `dir`, atomically; an existing one needs `force`. */
export async function writeComparison(dir: string, runs: readonly ComparedRun[], options: { force?: boolean; title?: string } = {}): Promise<string> {
  const path = join(dir, 'report.html');
  if (!options.force && existsSync(path)) throw new OutputExistsError(path);
  await writeFileAtomic(path, renderComparison(runs, options.title), { force: options.force ?? false });
  return path;
}
