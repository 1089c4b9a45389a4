import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { consoleLines, haveChromium, reportLayout, runChromium } from '@netsynth/test-support';
import { REPORT_SECTION_IDS, writeReport } from '../src/index.js';
import { SAMPLE_REPORT_CDFS, sampleReportInput } from './fixture.js';

const HAVE_CHROMIUM = haveChromium('the headless Chromium report test');

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
    const layout = reportLayout(htmlPath);
    expect(layout.console).toEqual([]);
    const facts = layout.facts;
    expect(facts, 'probe output missing from the DOM').toBeDefined();
    if (!facts) return;
    expect(facts.sections).toEqual([...REPORT_SECTION_IDS]);
    expect(facts.plots).toEqual(expect.arrayContaining([...SAMPLE_REPORT_CDFS]));
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
