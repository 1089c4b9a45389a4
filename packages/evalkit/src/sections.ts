import type { JsonValue, ReportSection } from '@netsynth/core';

/**
 * The shapes of `ReportSection.data` that netsynth's evaluators emit and @netsynth/report
 * draws. They are plain JSON so they also land verbatim in metrics.json.
 */
export type TableCell = string | number | null;

export type TableSectionData = {
  /** Stable id for anchors and tests, e.g. "validity-rulesets". */
  id: string;
  columns: string[];
  rows: TableCell[][];
  note?: string;
};

export type CdfSeries = { name: string; x: number[]; y: number[] };

export type CdfSectionData = {
  id: string;
  xLabel: string;
  /** Draw x on a log scale (inter-arrival times, flow sizes); non-positive x are clipped. */
  logX: boolean;
  series: CdfSeries[];
  /** The class this CDF is about: the report shows such CDFs behind a class selector. */
  classLabel?: string;
};

export type TextSectionData = { id: string; text: string };

export function tableSection(title: string, data: TableSectionData): ReportSection {
  return { title, kind: 'table', data: data as unknown as JsonValue };
}

export function cdfSection(title: string, data: CdfSectionData): ReportSection {
  return { title, kind: 'cdf', data: data as unknown as JsonValue };
}

export function textSection(title: string, data: TextSectionData): ReportSection {
  return { title, kind: 'text', data: data as unknown as JsonValue };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCell = (c: unknown): c is TableCell => c === null || typeof c === 'string' || typeof c === 'number';
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

export function asTableData(data: JsonValue): TableSectionData | null {
  if (!isRecord(data) || typeof data['id'] !== 'string') return null;
  const { columns, rows } = data;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) return null;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every(isCell))) return null;
  return data as unknown as TableSectionData;
}

export function asCdfData(data: JsonValue): CdfSectionData | null {
  if (!isRecord(data) || typeof data['id'] !== 'string' || typeof data['xLabel'] !== 'string') return null;
  const series = data['series'];
  if (!Array.isArray(series)) return null;
  for (const s of series) {
    if (!isRecord(s) || typeof s['name'] !== 'string' || !isNumArray(s['x']) || !isNumArray(s['y'])) return null;
    if (s['x'].length !== s['y'].length) return null;
  }
  const out: CdfSectionData = { id: data['id'], xLabel: data['xLabel'], logX: data['logX'] === true, series: series as CdfSeries[] };
  if (typeof data['classLabel'] === 'string') out.classLabel = data['classLabel'];
  return out;
}

export function asTextData(data: JsonValue): TextSectionData | null {
  if (!isRecord(data) || typeof data['id'] !== 'string' || typeof data['text'] !== 'string') return null;
  return data as unknown as TextSectionData;
}
