import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPORT_SECTION_IDS, writeReport } from '../src/index.js';
import { sampleReportInput } from './fixture.js';

const CHROMIUM = process.env['NETSYNTH_CHROMIUM'] ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`skipping the headless Chromium report test: ${CHROMIUM} not found (apt-get install chromium)`);

/**
 * Loaded into a test copy of the report only (the report itself has no script): after layout
 * it records what the browser actually drew, for --dump-dom to carry back.
 */
const PROBE = `<script>
addEventListener('load', () => {
  const seen = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const svgs = [...document.querySelectorAll('svg.cdf')];
  const facts = {
    sections: [...document.querySelectorAll('main > section')].filter(seen).map((s) => s.id),
    plots: svgs.filter(seen).map((s) => s.id),
    plotPaths: svgs.map((s) => [...s.querySelectorAll('path.series')].filter((p) => p.getTotalLength() > 0).length),
    images: [...document.querySelectorAll('img')].filter((i) => i.complete && i.naturalWidth > 0).length,
    brokenImages: [...document.querySelectorAll('img')].filter((i) => !(i.complete && i.naturalWidth > 0)).length,
    fetched: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith('data:')),
    tables: [...document.querySelectorAll('table')].filter(seen).map((t) => t.id),
    cards: [...document.querySelectorAll('#scorecard article.card')].filter(seen).map((c) => c.id),
    classViews: [...document.querySelectorAll('.class-view')].map((v) => (seen(v) ? 1 : 0)),
    foldedSummary: document.querySelector('#metrics details:not([open]) #summary-table') !== null,
  };
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify(facts);
  document.body.append(out);
});
</script>`;

function runChromium(args: string[], url: string): { stdout: string; stderr: string } {
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
      ...args,
      url,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
  );
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Console output of the page (Chromium logs every console call as "CONSOLE"), and uncaught errors. */
function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /:CONSOLE[:(]|Uncaught/.test(l));
}

describe.skipIf(!HAVE_CHROMIUM)('report.html in headless Chromium', () => {
  it('the probe sees console errors when there are some (control)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-control-'));
    const page = join(dir, 'bad.html');
    writeFileSync(page, '<!DOCTYPE html><html><body><script>console.error("deliberate");</script></body></html>');
    const { stderr } = runChromium(['--dump-dom'], pathToFileURL(page).href);
    expect(consoleLines(stderr).join('\n')).toContain('deliberate');
  });

  it('draws every section, plot, table and image, fetches nothing and logs nothing', async () => {
    const input = await sampleReportInput();
    const dir = mkdtempSync(join(tmpdir(), 'report-chromium-'));
    const { htmlPath } = await writeReport(dir, input);
    const probed = join(dir, 'probed.html');
    writeFileSync(probed, readFileSync(htmlPath, 'utf8').replace('</body>', `${PROBE}</body>`));
    const { stdout, stderr } = runChromium(['--dump-dom', '--window-size=1400,2000'], pathToFileURL(probed).href);
    expect(consoleLines(stderr)).toEqual([]);
    const json = /<pre id="probe">([^<]*)<\/pre>/.exec(stdout)?.[1];
    expect(json, 'probe output missing from the DOM').toBeDefined();
    const facts = JSON.parse((json as string).replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as {
      sections: string[];
      plots: string[];
      plotPaths: number[];
      images: number;
      brokenImages: number;
      fetched: string[];
      tables: string[];
      cards: string[];
      classViews: number[];
      foldedSummary: boolean;
    };
    expect(facts.sections).toEqual([...REPORT_SECTION_IDS]);
    expect(facts.plots).toEqual(
      expect.arrayContaining([
        'cdf-packets-length',
        'cdf-packets-iat',
        'cdf-flows-packets',
        'cdf-flows-bytes',
        'cdf-flows-duration',
        'cdf-trace-concurrency',
        'cdf-privacy-dcr',
      ]),
    );
    // Every CDF draws its real and synthetic curves; the loss plot draws one line.
    expect(facts.plotPaths.filter((n) => n >= 2).length).toBe(facts.plotPaths.length - 1);
    expect(Math.min(...facts.plotPaths)).toBe(1);
    expect(facts.images).toBe(36);
    expect(facts.brokenImages).toBe(0);
    expect(facts.fetched).toEqual([]);
    expect(facts.tables).toEqual(expect.arrayContaining(['downstream-classifiers', 'validity-netshare', 'top-flows-dst-port', 'privacy-memorisation']));
    // The scorecard is the first thing on the page; the long metric table is folded.
    expect(facts.sections[0]).toBe('scorecard');
    expect(facts.cards).toEqual(['card-fidelity', 'card-utility', 'card-validity', 'card-privacy']);
    expect(facts.foldedSummary).toBe(true);
    expect(facts.plots).toContain('plot-training-loss');
    // One class view is drawn; the others wait behind the selector.
    expect(facts.classViews).toEqual([1, 0, 0]);

    // A screenshot of the report as written (no probe), for people to look at.
    const shot = join(dir, 'report.png');
    const r = runChromium([`--screenshot=${shot}`, '--window-size=1400,3800', '--hide-scrollbars'], pathToFileURL(htmlPath).href);
    expect(consoleLines(r.stderr)).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    if (process.env['NETSYNTH_REPORT_SCREENSHOT']) writeFileSync(process.env['NETSYNTH_REPORT_SCREENSHOT'], readFileSync(shot));
  });
});
