import type { Metric } from '@netsynth/core';
import type { TableSectionData } from '@netsynth/evalkit';
import { formatNumber } from '@netsynth/evalkit';
import { esc, slug } from './html.js';

const ARROWS: Record<Metric['direction'], { arrow: string; title: string }> = {
  lower: { arrow: '↓', title: 'lower is better' },
  higher: { arrow: '↑', title: 'higher is better' },
  info: { arrow: '·', title: 'for information' },
};

function numCell(v: number | null | undefined): string {
  return `<td class="num">${esc(formatNumber(v ?? null))}</td>`;
}

/** One row per metric, grouped by evaluator: real and synthetic figures, the value, and which way is better. */
export function renderSummaryTable(groups: readonly { evaluator: string; metrics: readonly Metric[] }[]): string {
  const rows: string[] = [];
  for (const g of groups) {
    rows.push(`<tr class="group"><th colspan="7">${esc(g.evaluator)}</th></tr>`);
    for (const m of g.metrics) {
      const a = ARROWS[m.direction];
      rows.push(
        `<tr data-metric="${esc(m.name)}"><td>${esc(m.name)}</td><td class="dir ${m.direction}" title="${a.title}">${a.arrow}</td>` +
          `${numCell(m.real)}${numCell(m.synthetic)}${numCell(m.value)}${numCell(m.floor)}<td>${esc(m.unit ?? '')}</td></tr>`,
      );
    }
  }
  return (
    '<table id="summary-table"><thead><tr><th>metric</th><th title="which way is better">better</th><th>real</th><th>synthetic</th><th>value</th><th title="the same metric for real training data against the real holdout">floor</th><th>unit</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

export function renderDataTable(title: string, data: TableSectionData): string {
  const head = data.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = data.rows
    .map(
      (r) =>
        `<tr>${data.columns.map((_, i) => (typeof r[i] === 'number' || r[i] === null || r[i] === undefined ? numCell(r[i] as number | null) : `<td>${esc(r[i] as string)}</td>`)).join('')}</tr>`,
    )
    .join('');
  return (
    `<h3>${esc(title)}</h3>` +
    `<table class="data" id="${esc(slug(data.id))}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>` +
    (data.note ? `<p class="note">${esc(data.note)}</p>` : '')
  );
}
