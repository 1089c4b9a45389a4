import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toyTraffic } from '@netsynth/evalkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCommand } from '../src/commands/compare.js';
import { evalCommand } from '../src/commands/eval.js';
import { memoryIo } from '../src/io.js';
import { main } from '../src/main.js';
import { writeSamples } from './helpers.js';

describe('netsynth compare', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netsynth-compare-'));
    await writeSamples(join(dir, 'real.pcap'), toyTraffic(1, 15, 'r'));
    await writeSamples(join(dir, 'close.pcap'), toyTraffic(2, 15, 's'));
    await writeSamples(
      join(dir, 'far.pcap'),
      toyTraffic(3, 15, 'f').filter((s) => s.label === 'bulk'),
    );
    for (const side of ['close', 'far']) {
      const io = memoryIo(dir);
      const code = await main(
        ['eval', '--real', 'real.pcap', '--synthetic', `${side}.pcap`, '--out', `run-${side}`, '--evaluators', 'distribution,privacy'],
        [evalCommand],
        { io },
      );
      expect(code, io.err()).toBe(0);
    }
  }, 120_000);

  it('writes one report.html with both runs side by side: scorecards, overlaid CDFs, metric changes', async () => {
    const io = memoryIo(dir);
    expect(await main(['compare', 'run-close', 'run-far/metrics.json', '--out', 'cmp'], [compareCommand], { io }), io.err()).toBe(0);
    const html = readFileSync(join(dir, 'cmp', 'report.html'), 'utf8');
    expect(io.out()).toContain(join(dir, 'cmp', 'report.html'));
    expect(html.indexOf('<section id="scorecard">')).toBeLessThan(html.indexOf('<section id="distributions">'));
    expect(html).toContain('<th>run-close</th><th>run-far</th>');
    // The overlaid CDF has the real curve and one synthetic curve per run.
    const plot = /<svg class="cdf" id="compare-cdf-packets-length"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(plot.match(/<path class="series"/g)).toHaveLength(3);
    expect(plot).toContain('data-series="run-far"');
    // A far synthetic set is worse on packet sizes than a close one.
    expect(html).toMatch(/<tr data-metric="packets.length.emd">(?:<td[^>]*>[^<]*<\/td>){3}<td class="num worse">/);
    expect(html).not.toMatch(/(?:src|href)="(?!data:|#)/);
    // No overwrite without --force; with it, the same bytes.
    const again = memoryIo(dir);
    expect(await main(['compare', 'run-close', 'run-far', '--out', 'cmp'], [compareCommand], { io: again })).not.toBe(0);
    expect(again.err()).toMatch(/report\.html/);
    expect(await main(['compare', 'run-close', 'run-far/metrics.json', '--out', 'cmp', '--force'], [compareCommand], { io: memoryIo(dir) })).toBe(0);
    expect(readFileSync(join(dir, 'cmp', 'report.html'), 'utf8')).toBe(html);
  });

  it('says which argument has no metrics.json', async () => {
    const io = memoryIo(dir);
    expect(await main(['compare', 'run-close', 'nowhere', '--out', 'cmp2'], [compareCommand], { io })).not.toBe(0);
    expect(io.err()).toMatch(/no metrics\.json in nowhere/);
  });
});
