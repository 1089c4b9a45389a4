import type { Metric } from '@netsynth/core';
import type { TableCell } from './sections.js';

/** Rounds for display: 4 significant digits, integers as they are. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function cellText(c: TableCell): string {
  return typeof c === 'number' ? formatNumber(c) : c === null ? '—' : c;
}

/** A fixed-width text table (numbers right-aligned) for terminals and logs. */
export function formatTable(columns: readonly string[], rows: readonly (readonly TableCell[])[]): string {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] as string).length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

export const DIRECTION_ARROW: Record<Metric['direction'], string> = { lower: '↓', higher: '↑', info: '·' };

/** The standard evaluator table: one row per metric with its direction arrow and its real-vs-real floor. */
export function formatMetricTable(metrics: readonly Metric[]): string {
  return formatTable(
    ['metric', 'better', 'value', 'floor', 'real', 'synthetic'],
    metrics.map((m) => [m.name, DIRECTION_ARROW[m.direction], m.value, m.floor ?? null, m.real ?? null, m.synthetic ?? null]),
  );
}
