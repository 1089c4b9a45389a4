import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentProgress } from '@netsynth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, reportLayout } from '@netsynth/test-support';
import { formatRunResult } from '../src/commands/run.js';
import { runPipeline, type RunResult } from '../src/index.js';
import { meanGenerator } from './fixtures/fake-plugins.js';
import { RUNNER_ROOT, cleanupTmp, tmp, writeFiles } from './helpers.js';

/**
 * `netsynth run` on the bundled demo captures (5 classes, capped at 12 samples per class and
 * 16 packets per sample to stay within seconds), nPrint encoder, a trivial per-class-mean
 * generator, and the real evaluator packages: the run must leave report.html and metrics.json
 * with every section the issue asks for, the image grids showing generated images.
 */
const DEMO = join(RUNNER_ROOT, '..', '..', 'examples', 'data', 'demo');

const CONFIG = `
version: 1
name: report-test
seed: 11
input:
  captures: [${JSON.stringify(DEMO)}]
  flows: { windowPackets: 16, minPackets: 2, maxSamplesPerLabel: 12 }
  holdout: 0.5
encoder:
  plugin: "@netsynth/encoder-nprint"
  options: { maxPackets: 16, tensor: signed1 }
generator:
  plugin: test/mean-generator
  options: { steps: 1, noise: 0.05 }
  samplesPerLabel: 6
evaluators:
  - plugin: "@netsynth/evaluator-distribution"
  - plugin: "@netsynth/evaluator-validity"
  - plugin: "@netsynth/evaluator-downstream"
    options: { classifiers: [random_forest, naive_bayes, logistic_regression], mixRatios: [1], forest: { trees: 10 }, boosting: { rounds: 5 } }
  - plugin: "@netsynth/evaluator-fd"
    options: { cnn: { steps: 60 }, minPerClass: 4 }
`;

interface MetricsJson {
  format: string;
  inputs: Record<string, string>;
  evaluators: {
    evaluator: string;
    table: string;
    metrics: { name: string; value: number | null; direction: string }[];
    sections: { kind: string; data: { id: string } }[];
  }[];
  images: { label: string; real: number; synthetic: number }[];
}

let dir = '';
let result: RunResult;
const LABELS = ['dns', 'icmp', 'tls', 'udpstream', 'web'];

beforeAll(async () => {
  dir = tmp('netsynth-report-');
  writeFiles(dir, { 'run.yaml': CONFIG });
  result = await runPipeline(join(dir, 'run.yaml'), { plugins: [meanGenerator], progress: silentProgress, outDir: join(dir, 'out') });
}, 180_000);
afterAll(cleanupTmp);

describe('netsynth run writes the evaluation report', () => {
  it('report.html and metrics.json in the output folder, with every evaluator and the report path printed', () => {
    const html = join(dir, 'out', 'report.html');
    expect(result.reportPath).toBe(html);
    expect(existsSync(html)).toBe(true);
    expect(formatRunResult(result)).toContain(`report:  ${html}`);
    expect(result.outputs.map((o) => o.path)).toEqual(expect.arrayContaining(['report.html', 'metrics.json']));

    const m = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8')) as MetricsJson;
    expect(m.format).toBe('netsynth-metrics/1');
    expect(m.evaluators.map((e) => e.evaluator)).toEqual([
      '@netsynth/evaluator-distribution',
      '@netsynth/evaluator-validity',
      '@netsynth/evaluator-downstream',
      '@netsynth/evaluator-fd',
    ]);
    for (const e of m.evaluators) {
      expect(e.metrics.length, e.evaluator).toBeGreaterThan(0);
      expect(e.table.length, e.evaluator).toBeGreaterThan(0);
    }
    expect(m.inputs['synthetic']).toMatch(/generated samples/);
    expect(m.inputs['real']).toMatch(/real holdout samples/);
    // Images: 5 classes, real holdout renders beside the generator's renders.
    expect(m.images.map((g) => g.label)).toEqual(LABELS);
    for (const g of m.images) {
      expect(g.real, g.label).toBeGreaterThan(0);
      expect(g.synthetic, g.label).toBe(6);
    }
    const fd = m.evaluators[3]!.metrics.find((x) => x.name === 'fd.all');
    expect(fd?.value).toBeGreaterThan(0);
    // RunResult.metrics is read back from the same file.
    expect(result.metrics?.evaluators.map((e) => e.evaluator)).toEqual(m.evaluators.map((e) => e.evaluator));
    expect(result.metrics?.synthetic).toBe(m.inputs['synthetic']);
  });

  it('the page has the summary with direction arrows, CDF plots, per-class image grids, classifier and validity tables', () => {
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    for (const id of ['scorecard', 'distributions', 'traces', 'per-class', 'images', 'classifiers', 'validity', 'training', 'more', 'metrics'])
      expect(html).toContain(`<section id="${id}">`);
    expect(html).toMatch(/<td class="dir lower" title="lower is better">↓<\/td>/);
    expect(html).toMatch(/<td class="dir higher" title="higher is better">↑<\/td>/);
    for (const plot of ['cdf-packets-length', 'cdf-packets-iat', 'cdf-flows-packets']) expect(html).toContain(`<svg class="cdf" id="${plot}"`);
    for (const label of LABELS) expect(html).toContain(`id="images-${label}"`);
    // 5 classes × (real + synthetic): every image inline.
    const imgs = html.match(/<img src="data:image\/png;base64,/g) ?? [];
    expect(imgs.length).toBeGreaterThanOrEqual(5 * 6 + 5);
    expect(html).toContain('id="downstream-classifiers"');
    expect(html).toContain('id="validity-netshare"');
    expect(html).toContain('id="fd-table"');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toContain('NaN');
  });

  it('a second run is skipped and leaves the report as it was; --from evaluate rewrites the same bytes', async () => {
    const before = readFileSync(join(dir, 'out', 'report.html'));
    const again = await runPipeline(join(dir, 'run.yaml'), { plugins: [meanGenerator], progress: silentProgress, outDir: join(dir, 'out') });
    expect(again.stages.every((s) => s.status === 'skipped')).toBe(true);
    expect(again.reportPath).toBe(join(dir, 'out', 'report.html'));
    const redo = await runPipeline(join(dir, 'run.yaml'), { plugins: [meanGenerator], progress: silentProgress, outDir: join(dir, 'out'), from: 'evaluate' });
    expect(redo.stages.find((s) => s.name === 'evaluate')?.status).toBe('ran');
    expect(readFileSync(join(dir, 'out', 'report.html')).equals(before)).toBe(true);
  }, 120_000);
});

const HAVE_CHROMIUM = haveChromium("the runner's headless Chromium report check");

describe.skipIf(!HAVE_CHROMIUM)("the run's report.html in headless Chromium", () => {
  it('lays out every section, plot and image, fetches nothing and logs nothing', () => {
    const layout = reportLayout(join(dir, 'out', 'report.html'));
    expect(layout.console).toEqual([]);
    const facts = layout.facts;
    expect(facts, 'probe output missing from the DOM').toBeDefined();
    if (!facts) return;
    expect(facts.sections).toEqual(['scorecard', 'distributions', 'traces', 'per-class', 'images', 'classifiers', 'validity', 'training', 'more', 'metrics']);
    expect(facts.plots.length).toBeGreaterThanOrEqual(3);
    expect(facts.images).toBeGreaterThanOrEqual(35);
    expect(facts.brokenImages).toBe(0);
    expect(facts.fetched).toEqual([]);
  });
});
