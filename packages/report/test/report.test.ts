import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageTensor } from '@netsynth/core';
import { createImageTensor } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { buildMetricsJson, imageGroupsFor, pngDataUri, renderCdfSvg, renderReport, REPORT_SECTION_IDS, thumbnailSize, writeReport } from '../src/index.js';
import { SAMPLE_REPORT_CDFS, sampleReportInput, testCard } from './fixture.js';

describe('report pieces', () => {
  it('encodes RGBA renders as PNG data URIs and rejects wrong sizes', () => {
    const uri = pngDataUri(testCard(4, 3, 0, 1));
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    const png = Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64');
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(4);
    expect(png.readUInt32BE(20)).toBe(3);
    expect(() => pngDataUri({ width: 2, height: 2, rgba: new Uint8Array(3) })).toThrow(/RGBA bytes/);
  });

  it('sizes thumbnails: near-square images fit the box, strips (nPrint: 32 packets × 1088 bits) keep rows visible', () => {
    expect(thumbnailSize(32, 32, 96)).toEqual([96, 96]);
    expect(thumbnailSize(64, 32, 96)).toEqual([96, 48]);
    // 1088 × 32: long side 5 × 96 = 480, short side 3 px per packet row = 96 (not 480 · 32 / 1088 ≈ 14).
    expect(thumbnailSize(1088, 32, 96)).toEqual([480, 96]);
    expect(thumbnailSize(8, 200, 96)).toEqual([24, 400]);
    // A one-row flow record of 105 values: 4 px per value, a 12 px high bar.
    expect(thumbnailSize(105, 1, 96)).toEqual([420, 12]);
    const html = renderReport({ results: [], images: [{ label: 'web', real: [testCard(1088, 32, 0, 1)], synthetic: [testCard(1088, 32, 1, 1)] }] });
    expect(html).toContain('<div class="grid-images strips"><img src="data:image/png;base64,');
    expect(html).toContain('width="480" height="96"');
  });

  it('groups and renders real and synthetic tensors per class', () => {
    const t = (label: string, v: number) => ({ label, tensor: createImageTensor(1, 2, 3, new Float32Array(6).fill(v)) });
    const render = (x: ImageTensor) => ({
      width: x.width,
      height: x.height,
      rgba: new Uint8Array(x.width * x.height * 4).fill(Math.round(((x.data[0] as number) + 1) * 127)),
    });
    const groups = imageGroupsFor([t('b', 0), t('a', 1), t('a', -1), t('a', 0)], [t('a', 0.5), t('c', 0)], render, 2);
    expect(groups.map((g) => [g.label, g.real.length, g.synthetic.length])).toEqual([
      ['a', 2, 1],
      ['b', 1, 0],
      ['c', 0, 1],
    ]);
    expect(groups[0]?.real[1]?.rgba[0]).toBe(0);
    expect(groups[0]?.real[0]?.width).toBe(3);
  });

  it('draws a CDF as an SVG with one step path per series', () => {
    const svg = renderCdfSvg('Packet length', {
      id: 'cdf-x',
      xLabel: 'bytes',
      logX: false,
      series: [
        { name: 'real', x: [40, 100, 1500], y: [0.2, 0.5, 1] },
        { name: 'synthetic', x: [60, 1500], y: [0.5, 1] },
      ],
    });
    expect(svg).toMatch(/^<svg class="cdf" id="cdf-x"/);
    expect(svg.match(/<path class="series"/g)).toHaveLength(2);
    expect(svg).toContain('data-series="synthetic"');
    // Step curves: only horizontal and vertical moves after the first point.
    const d = /data-series="real" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d).toMatch(/^M[\d.,-]+(?:[HVL][\d.,-]+)+$/);
    const log = renderCdfSvg('IAT', { id: 'cdf-y', xLabel: 's', logX: true, series: [{ name: 'real', x: [0, 1e-5, 0.1], y: [0.3, 0.6, 1] }] });
    expect(log).toContain('(log scale)');
    expect(log).not.toContain('NaN');
  });
});

describe('renderReport and writeReport', () => {
  it('renders every section, plot and table, self-contained, deterministically', async () => {
    const input = await sampleReportInput();
    const html = renderReport(input);
    for (const id of REPORT_SECTION_IDS) expect(html).toContain(`<section id="${id}">`);
    expect(html.indexOf('<section id="scorecard">')).toBeLessThan(html.indexOf('<section id="distributions">'));
    for (const card of ['fidelity', 'utility', 'validity', 'privacy'])
      expect(html).toMatch(new RegExp(`<article class="card (pass|warn|fail|none)" id="card-${card}"`));
    // The long table is folded at the end.
    expect(html.indexOf('<details><summary>Every metric')).toBeGreaterThan(html.indexOf('<section id="metrics">'));
    // Per-class CDFs sit behind a radio-button class selector (no script).
    expect(html).toContain('<input type="radio" name="class-view" id="cls-0" checked><label for="cls-0">bulk</label>');
    expect(html).toContain('<svg class="cdf" id="plot-training-loss"');
    for (const id of [...SAMPLE_REPORT_CDFS, 'cdf-packets-length-class-dns']) {
      expect(html).toContain(`<svg class="cdf" id="${id}"`);
    }
    expect(html).toContain('id="downstream-classifiers"');
    expect(html).toContain('id="validity-netshare"');
    expect(html).toContain('id="images-web"');
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(36);
    expect(html).not.toMatch(/(?:src|href)="(?!data:|#)/);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('NaN');
    expect(renderReport(input)).toBe(html);
    const metricCount = input.results.reduce((s, r) => s + r.metrics.length, 0);
    expect(html.match(/<tr data-metric=/g)).toHaveLength(metricCount);
  });

  it('writes metrics.csv in long format with floors and classes', async () => {
    const input = await sampleReportInput();
    const dir = mkdtempSync(join(tmpdir(), 'report-csv-'));
    const out = await writeReport(dir, input);
    const lines = readFileSync(out.csvPath, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('evaluator,metric,class,value,real,synthetic,floor,direction,unit');
    expect(lines).toHaveLength(1 + input.results.reduce((s, r) => s + r.metrics.length, 0));
    const row = lines.find((l) => l.startsWith('@netsynth/evaluator-distribution,class.dns.packets.length.emd,dns,'))?.split(',');
    expect(Number(row?.[3])).toBeGreaterThanOrEqual(0);
    expect(Number(row?.[6])).toBeGreaterThanOrEqual(0);
    expect(row?.[6]).not.toBe('');
    // At least half of the comparative metrics carry a numeric floor.
    const comparative = input.results.flatMap((r) => r.metrics).filter((m) => m.direction !== 'info');
    expect(comparative.filter((m) => typeof m.floor === 'number').length).toBeGreaterThanOrEqual(comparative.length / 2);
  });

  it('writes report.html and metrics.json, refusing to overwrite without force', async () => {
    const input = await sampleReportInput();
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const out = await writeReport(dir, input);
    const json = JSON.parse(readFileSync(out.metricsPath, 'utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(buildMetricsJson(input))));
    expect(json.evaluators.map((e: { evaluator: string }) => e.evaluator)).toEqual(input.results.map((r) => r.evaluator));
    const lengthEmd = json.evaluators[0].metrics.find((m: { name: string }) => m.name === 'packets.length.emd');
    expect(typeof lengthEmd.value).toBe('number');
    await expect(writeReport(dir, input)).rejects.toThrow(/--force/);
    writeFileSync(out.htmlPath, 'old');
    await writeReport(dir, input, { force: true });
    expect(readFileSync(out.htmlPath, 'utf8')).toContain('<section id="scorecard">');
  });

  it('says so when a section has no data', () => {
    const html = renderReport({ results: [] });
    for (const id of REPORT_SECTION_IDS) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('No images were given');
  });
});
