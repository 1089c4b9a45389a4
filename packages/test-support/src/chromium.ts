/**
 * Headless Chromium for the report tests (packages/report and the runner's run report): one
 * set of flags (no network, no first-run work, a fresh profile per run) so both tests load a
 * page the same way, and the console/probe readers they both check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chromium binary: `NETSYNTH_CHROMIUM`, else the Debian package's path. */
export const CHROMIUM = process.env['NETSYNTH_CHROMIUM'] ?? '/usr/bin/chromium';

/** Whether Chromium is installed; when not, prints one `skipping <what>` line naming the path. */
export function haveChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.warn(`skipping ${what}: ${CHROMIUM} not found (apt-get install chromium, or set NETSYNTH_CHROMIUM)`);
  return false;
}

/** Runs headless Chromium on `url` with `args` (e.g. --dump-dom, --screenshot=…); throws when it cannot start. */
export function runChromium(args: readonly string[], url: string): { stdout: string; stderr: string } {
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
export function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /:CONSOLE[:(]|Uncaught/.test(l));
}

/**
 * The JSON a probe script left in `<pre id="probe">` of the dumped DOM (--dump-dom), or
 * undefined when the probe did not run. The caller states the shape its probe writes.
 */
function probeFacts<T>(dom: string): T | undefined {
  const json = /<pre id="probe">([^<]*)<\/pre>/.exec(dom)?.[1];
  return json === undefined ? undefined : (JSON.parse(json.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as T);
}

/** What the browser laid out in a netsynth report (see {@link reportLayout}). */
export interface ReportLayoutFacts {
  /** Ids of the visible `main > section`s, in order. */
  sections: string[];
  /** Ids of the visible CDF plots. */
  plots: string[];
  /** Per CDF plot, how many of its series paths have a length. */
  plotPaths: number[];
  images: number;
  brokenImages: number;
  /** Resources fetched other than data: URLs (a self-contained report fetches none). */
  fetched: string[];
  tables: string[];
  cards: string[];
  /** Per class view, 1 when visible. */
  classViews: number[];
  /** Whether the summary table sits in a closed <details> of the metrics section. */
  foldedSummary: boolean;
}

/**
 * Loaded into a test copy of the report only (the report itself has no script): after layout
 * it records what the browser actually drew, for --dump-dom to carry back.
 */
const REPORT_PROBE = `<script>
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

/**
 * Lays out the report at `htmlPath` in headless Chromium (a probed copy in a fresh temporary
 * folder: the report is self-contained, and its own folder stays as the run left it) and
 * returns what was drawn (undefined when the probe did not run) and the page's console lines.
 */
export function reportLayout(htmlPath: string): { facts: ReportLayoutFacts | undefined; console: string[] } {
  const probed = join(mkdtempSync(join(tmpdir(), 'report-layout-')), 'probed.html');
  writeFileSync(probed, readFileSync(htmlPath, 'utf8').replace('</body>', `${REPORT_PROBE}</body>`));
  const { stdout, stderr } = runChromium(['--dump-dom', '--window-size=1400,2000'], pathToFileURL(probed).href);
  return { facts: probeFacts<ReportLayoutFacts>(stdout), console: consoleLines(stderr) };
}
