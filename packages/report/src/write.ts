import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OutputExistsError, writeFileAtomic } from '@netsynth/core';
import { buildMetricsCsv } from './metrics-csv.js';
import { buildMetricsJson, renderReport } from './render.js';
import type { ReportInput, ReportOptions } from './types.js';

export interface WriteReportOptions extends ReportOptions {
  /** Replace an existing report.html / metrics.json. */
  force?: boolean;
}

export interface WrittenReport {
  htmlPath: string;
  metricsPath: string;
  /** metrics.csv: the metrics in long format. */
  csvPath: string;
}

/**
 * Writes `report.html`, `metrics.json` and `metrics.csv` into `dir` (created if missing), each
 * atomically. Without `force`, an existing file is an OutputExistsError and nothing is written.
 */
export async function writeReport(dir: string, input: ReportInput, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const htmlPath = join(dir, 'report.html');
  const metricsPath = join(dir, 'metrics.json');
  const csvPath = join(dir, 'metrics.csv');
  if (!options.force) {
    for (const p of [htmlPath, metricsPath, csvPath]) if (existsSync(p)) throw new OutputExistsError(p);
  }
  const html = renderReport(input, options);
  const json = `${JSON.stringify(buildMetricsJson(input), null, 2)}\n`;
  await writeFileAtomic(metricsPath, json, { force: options.force ?? false });
  await writeFileAtomic(csvPath, buildMetricsCsv(input.results), { force: options.force ?? false });
  await writeFileAtomic(htmlPath, html, { force: options.force ?? false });
  return { htmlPath, metricsPath, csvPath };
}
