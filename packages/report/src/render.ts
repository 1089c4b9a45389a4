import type { EvaluationResult, JsonObject, JsonValue, ReportSection } from '@netsynth/core';
import type { CdfSectionData, TableSectionData } from '@netsynth/evalkit';
import { asCdfData, asTableData, asTextData } from '@netsynth/evalkit';
import { renderCdfSvg } from './cdf-plot.js';
import { esc, slug } from './html.js';
import { pngDataUri } from './images.js';
import { buildScorecard, renderScorecard } from './scorecard.js';
import { REPORT_CSS } from './style.js';
import { renderDataTable, renderSummaryTable } from './tables.js';
import type { ReportImageGroup, ReportInput, ReportOptions } from './types.js';

/** Sections of the page, in order; each is always present (with a note when it has no data). */
export const REPORT_SECTION_IDS = [
  'scorecard',
  'distributions',
  'traces',
  'per-class',
  'images',
  'classifiers',
  'validity',
  'training',
  'more',
  'metrics',
] as const;

interface Located<T> {
  evaluator: string;
  title: string;
  data: T;
}

function collect(results: readonly EvaluationResult[]) {
  const cdfs: Located<CdfSectionData>[] = [];
  const tables: Located<TableSectionData>[] = [];
  const texts: Located<string>[] = [];
  const unknown: Located<ReportSection>[] = [];
  for (const r of results) {
    for (const s of r.sections ?? []) {
      const where = { evaluator: r.evaluator, title: s.title };
      const cdf = s.kind === 'cdf' ? asCdfData(s.data) : null;
      const table = s.kind === 'table' ? asTableData(s.data) : null;
      const text = s.kind === 'text' ? asTextData(s.data) : null;
      if (cdf) cdfs.push({ ...where, data: cdf });
      else if (table) tables.push({ ...where, data: table });
      else if (text) texts.push({ ...where, data: text.text });
      else unknown.push({ ...where, data: s });
    }
  }
  return { cdfs, tables, texts, unknown };
}

const isClassifierTable = (t: Located<TableSectionData>): boolean => t.data.id.startsWith('downstream');
const isValidityTable = (t: Located<TableSectionData>): boolean => t.data.id.startsWith('validity');

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

function empty(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}

/** An image much wider than tall (or the reverse), e.g. an nPrint image of 32 packets × 1088 bits. */
const isStrip = (w: number, h: number): boolean => Math.max(w / h, h / w) > 4;

/**
 * Display size of a thumbnail. Near-square images fit a size × size box. Strips would shrink
 * to a few pixels that way, so their long side gets up to 5 × size (capped at a whole
 * multiple of the image's own length) and their short side at least 3 CSS pixels per source
 * pixel and 12 in all, up to size — rows of an nPrint image (packets) stay visible, a one-row
 * flow record is a readable bar. The PNG keeps every source pixel either way.
 */
export function thumbnailSize(width: number, height: number, size: number): [number, number] {
  if (!isStrip(width, height)) {
    const scale = size / Math.max(width, height);
    return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
  }
  const wide = width >= height;
  const long = wide ? width : height;
  const short = wide ? height : width;
  // Whole multiples of the source pixels along the long side when it fits (a 105-value flow record → 420 px).
  const longShown = long >= 5 * size ? 5 * size : long * Math.floor((5 * size) / long);
  const shortShown = Math.max(Math.round((short * longShown) / long), Math.min(Math.max(short * 3, 12), size));
  return wide ? [longShown, Math.max(1, shortShown)] : [Math.max(1, shortShown), longShown];
}

function imageGroups(groups: readonly ReportImageGroup[], perClass: number, size: number): string {
  return groups
    .map((g) => {
      const side = (kind: 'real' | 'synthetic', images: ReportImageGroup['real']): string => {
        const shown = images.slice(0, perClass);
        const strip = shown.some((im) => isStrip(im.width, im.height));
        const imgs = shown
          .map((im, i) => {
            const [w, h] = thumbnailSize(im.width, im.height, size);
            return `<img src="${pngDataUri(im)}" width="${w}" height="${h}" alt="${esc(`${g.label} ${kind} ${i + 1}`)}">`;
          })
          .join('');
        return `<figure class="${kind}"><figcaption>${kind} (${shown.length} of ${images.length})</figcaption><div class="grid-images${strip ? ' strips' : ''}">${imgs || empty('none')}</div></figure>`;
      };
      return `<h3>${esc(g.label)}</h3><div class="image-class" id="images-${esc(slug(g.label))}">${side('real', g.real)}${side('synthetic', g.synthetic)}</div>`;
    })
    .join('');
}

/** Plots of one kind: overall CDFs only (per-class ones go behind the class selector). */
function plotsOf(cdfs: readonly Located<CdfSectionData>[]): string {
  return cdfs.map((c) => `<div class="plot" data-evaluator="${esc(c.evaluator)}">${renderCdfSvg(c.title, c.data)}</div>`).join('');
}

/**
 * Per-class CDFs behind a class selector made of radio buttons and CSS (the report has no
 * script): one view per class, the first shown.
 */
function classViews(cdfs: readonly Located<CdfSectionData>[]): { html: string; css: string } {
  const labels = [...new Set(cdfs.map((c) => c.data.classLabel as string))].sort();
  if (labels.length === 0) return { html: '', css: '' };
  const inputs = labels
    .map((l, i) => `<input type="radio" name="class-view" id="cls-${i}"${i === 0 ? ' checked' : ''}><label for="cls-${i}">${esc(l)}</label>`)
    .join('');
  const views = labels
    .map((l, i) => `<div class="class-view" id="class-view-${i}" data-class="${esc(l)}">${plotsOf(cdfs.filter((c) => c.data.classLabel === l))}</div>`)
    .join('');
  const css = labels
    .map(
      (_, i) =>
        `#cls-${i}:checked ~ #class-view-${i} { display: flex; flex-wrap: wrap; gap: 16px; } #cls-${i}:checked + label { background: var(--panel); font-weight: 600; }`,
    )
    .join('\n');
  return { html: `<div class="class-views">${inputs}${views}</div>`, css };
}

/** The training loss per step, as a line (from the generator's saved loss history). */
function lossPlot(history: ReportInput['lossHistory']): string {
  if (!history?.length) return '';
  const max = Math.max(...history.map((h) => h.loss).filter((v) => Number.isFinite(v)));
  const data: CdfSectionData = {
    id: 'plot-training-loss',
    xLabel: 'training step',
    logX: false,
    series: [{ name: 'loss', x: history.map((h) => h.step), y: history.map((h) => h.loss) }],
  };
  return `<div class="plots"><div class="plot">${renderCdfSvg('Training loss', data, { yMax: max })}</div></div>`;
}

const NAV: [string, string][] = [
  ['scorecard', 'Scorecard'],
  ['distributions', 'Distributions'],
  ['traces', 'Traces'],
  ['per-class', 'Per class'],
  ['images', 'Images'],
  ['classifiers', 'Classifiers'],
  ['validity', 'Validity'],
  ['training', 'Training'],
  ['more', 'More'],
  ['metrics', 'All metrics'],
];

/** The whole report as one self-contained HTML document (inline CSS and SVG, PNG data URIs). */
export function renderReport(input: ReportInput, options: ReportOptions = {}): string {
  const title = input.title ?? 'netsynth evaluation report';
  const { cdfs, tables, texts, unknown } = collect(input.results);
  const summary = renderSummaryTable(input.results.map((r) => ({ evaluator: r.evaluator, metrics: r.metrics })));
  const overall = cdfs.filter((c) => c.data.classLabel === undefined);
  const isTrace = (c: Located<CdfSectionData>): boolean => c.data.id.startsWith('cdf-trace');
  const plots = plotsOf(overall.filter((c) => !isTrace(c)));
  const tracePlots = plotsOf(overall.filter(isTrace));
  const perClass = classViews(cdfs.filter((c) => c.data.classLabel !== undefined));
  const images = input.images?.length ? imageGroups(input.images, options.imagesPerClass ?? 8, options.thumbnailSize ?? 96) : '';
  const classifierTables = tables
    .filter(isClassifierTable)
    .map((t) => renderDataTable(t.title, t.data))
    .join('');
  const validityTables = tables
    .filter(isValidityTable)
    .map((t) => renderDataTable(t.title, t.data))
    .join('');
  const otherTables = tables
    .filter((t) => !isClassifierTable(t) && !isValidityTable(t))
    .map((t) => renderDataTable(`${t.title} — ${t.evaluator}`, t.data))
    .join('');
  const textBlocks = texts.map((t) => `<h3>${esc(t.title)}</h3><p>${esc(t.data)}</p>`).join('');
  const unknownBlocks = unknown
    .map(
      (u) => `<h3>${esc(u.title)}</h3><details><summary>data (${esc(u.data.kind)})</summary><pre>${esc(JSON.stringify(u.data.data, null, 1))}</pre></details>`,
    )
    .join('');
  const rawTables = input.results.map((r) => `<details><summary>${esc(r.evaluator)}: text table</summary><pre>${esc(r.table)}</pre></details>`).join('');
  const inputs = Object.entries(input.inputs ?? {})
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  const header =
    `<header><h1>${esc(title)}</h1><dl>${inputs}${input.generatedAt ? `<dt>generated</dt><dd>${esc(input.generatedAt)}</dd>` : ''}` +
    `<dt>evaluators</dt><dd>${esc(input.results.map((r) => r.evaluator).join(', ') || 'none')}</dd></dl></header>`;
  const nav = `<nav>${NAV.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav>`;
  const notes = input.notes?.length ? `<ul class="notes">${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  const body = [
    section('scorecard', 'Scorecard', renderScorecard(buildScorecard(input.results)) + notes),
    section('distributions', 'Distributions (empirical CDFs)', plots ? `<div class="plots">${plots}</div>` : empty('No evaluator produced distributions.')),
    section('traces', 'Traces (flows on the time line)', tracePlots ? `<div class="plots">${tracePlots}</div>` : empty('No evaluator produced trace metrics.')),
    section('per-class', 'Per class', perClass.html || empty('No per-class distributions.')),
    section(
      'images',
      'Images per class (real beside synthetic)',
      images || empty('No images were given (the runner adds them when an encoder is configured).'),
    ),
    section('classifiers', 'Classifiers', classifierTables || empty('The downstream evaluator did not run.')),
    section('validity', 'Validity', validityTables || empty('The validity evaluator did not run.')),
    section('training', 'Training', lossPlot(input.lossHistory) || empty('No loss history was saved with the model.')),
    section('more', 'More tables', otherTables + textBlocks + unknownBlocks + rawTables || empty('Nothing else.')),
    section(
      'metrics',
      'All metrics',
      `<details><summary>Every metric (${input.results.reduce((n, r) => n + r.metrics.length, 0)}), with its floor</summary><p class="note">↓: lower is better (distances, error shares); ↑: higher is better (accuracies, pass shares); ·: information. "floor" is the same metric for real training data against the real holdout; "real" and "synthetic" are each side's figure where it has one.</p>${summary}</details>`,
    ),
  ].join('');
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${esc(title)}</title><style>${REPORT_CSS}${perClass.css ? `\n${perClass.css}` : ''}</style></head>` +
    `<body>${header}${nav}<main>${body}</main></body></html>\n`
  );
}

/** metrics.json: every metric and every section's data, per evaluator, as plain JSON. */
export function buildMetricsJson(input: ReportInput): JsonObject {
  const evaluators: JsonValue[] = input.results.map((r) => ({
    evaluator: r.evaluator,
    metrics: r.metrics.map((m) => {
      const o: JsonObject = { name: m.name, value: m.value, direction: m.direction };
      if (m.group !== undefined) o['group'] = m.group;
      if (m.real !== undefined) o['real'] = m.real;
      if (m.synthetic !== undefined) o['synthetic'] = m.synthetic;
      if (m.floor !== undefined) o['floor'] = m.floor;
      if (m.class !== undefined) o['class'] = m.class;
      if (m.unit !== undefined) o['unit'] = m.unit;
      return o;
    }),
    sections: (r.sections ?? []).map((s) => ({ title: s.title, kind: s.kind, data: s.data })),
    // The evaluator's own text table, so a reader of metrics.json alone can print what the CLI printed.
    table: r.table,
  }));
  const out: JsonObject = { format: 'netsynth-metrics/1', title: input.title ?? 'netsynth evaluation report' };
  if (input.generatedAt) out['generatedAt'] = input.generatedAt;
  out['inputs'] = { ...(input.inputs ?? {}) };
  out['evaluators'] = evaluators;
  out['images'] = (input.images ?? []).map((g) => ({ label: g.label, real: g.real.length, synthetic: g.synthetic.length }));
  if (input.notes?.length) out['notes'] = [...input.notes];
  return out;
}
