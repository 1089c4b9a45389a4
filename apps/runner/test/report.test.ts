import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentProgress } from '@netsynth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const CHROMIUM = process.env['NETSYNTH_CHROMIUM'] ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`skipping the runner's headless Chromium report check: ${CHROMIUM} not found`);

/** Injected into a copy of the report only: what the browser laid out, for --dump-dom (as packages/report's test). */
const PROBE = `<script>
addEventListener('load', () => {
  const seen = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const facts = {
    sections: [...document.querySelectorAll('main > section')].filter(seen).map((s) => s.id),
    plots: [...document.querySelectorAll('svg.cdf')].filter(seen).length,
    images: [...document.querySelectorAll('img')].filter((i) => i.complete && i.naturalWidth > 0).length,
    brokenImages: [...document.querySelectorAll('img')].filter((i) => !(i.complete && i.naturalWidth > 0)).length,
    fetched: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith('data:')),
  };
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify(facts);
  document.body.append(out);
});
</script>`;

describe.skipIf(!HAVE_CHROMIUM)("the run's report.html in headless Chromium", () => {
  it('lays out every section, plot and image, fetches nothing and logs nothing', () => {
    const probed = join(mkdtempSync(join(tmpdir(), 'runner-report-chromium-')), 'probed.html');
    writeFileSync(probed, readFileSync(join(dir, 'out', 'report.html'), 'utf8').replace('</body>', `${PROBE}</body>`));
    const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        '--dump-dom',
        '--window-size=1400,2000',
        pathToFileURL(probed).href,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
    );
    expect(r.error).toBeUndefined();
    expect(r.stderr.split('\n').filter((l) => /:CONSOLE[:(]|Uncaught/.test(l))).toEqual([]);
    const json = /<pre id="probe">([^<]*)<\/pre>/.exec(r.stdout)?.[1];
    expect(json, 'probe output missing from the DOM').toBeDefined();
    const facts = JSON.parse((json as string).replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as {
      sections: string[];
      plots: number;
      images: number;
      brokenImages: number;
      fetched: string[];
    };
    expect(facts.sections).toEqual(['scorecard', 'distributions', 'traces', 'per-class', 'images', 'classifiers', 'validity', 'training', 'more', 'metrics']);
    expect(facts.plots).toBeGreaterThanOrEqual(3);
    expect(facts.images).toBeGreaterThanOrEqual(35);
    expect(facts.brokenImages).toBe(0);
    expect(facts.fetched).toEqual([]);
  });
});
