import type { EvaluationResult } from '@netsynth/core';

const HEADER = ['evaluator', 'metric', 'class', 'value', 'real', 'synthetic', 'floor', 'direction', 'unit'];

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * metrics.csv: one row per metric (long format), for spreadsheets and data frames: evaluator,
 * metric, class (empty = all classes), value, real, synthetic, floor, direction, unit.
 */
export function buildMetricsCsv(results: readonly EvaluationResult[]): string {
  const lines = [HEADER.join(',')];
  for (const r of results) {
    for (const m of r.metrics) {
      lines.push([r.evaluator, m.name, m.class, m.value, m.real, m.synthetic, m.floor, m.direction, m.unit].map(field).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
