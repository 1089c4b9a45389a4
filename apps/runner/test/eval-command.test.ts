import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toyTraffic } from '@netsynth/evalkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../src/commands/eval.js';
import { memoryIo } from '../src/io.js';
import { main } from '../src/main.js';
import { writeSamples } from './helpers.js';

interface MetricsJson {
  inputs: Record<string, string>;
  evaluators: { evaluator: string; metrics: { name: string; value: number | null; real?: number | null; synthetic?: number | null }[] }[];
}

const metric = (m: MetricsJson, evaluator: string, name: string) =>
  m.evaluators.find((e) => e.evaluator === `@netsynth/evaluator-${evaluator}`)?.metrics.find((x) => x.name === name);

describe('netsynth eval', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netsynth-eval-'));
    await writeSamples(join(dir, 'real.pcap'), toyTraffic(1, 20, 'r'));
    await writeSamples(join(dir, 'same.pcap'), toyTraffic(1, 20, 'r'));
    await writeSamples(
      join(dir, 'other.pcap'),
      toyTraffic(2, 20, 's').filter((s) => s.label !== 'dns'),
    );
    for (const side of ['a', 'b']) {
      mkdirSync(join(dir, side));
      for (const [label, seed] of [
        ['web', 1],
        ['dns', 2],
        ['bulk', 3],
      ] as const) {
        await writeSamples(
          join(dir, side, `${label}.pcap`),
          toyTraffic(seed + (side === 'b' ? 10 : 0), 12, `${side}${label}`).filter((s) => s.label === label),
        );
      }
    }
  });

  it('compares two captures and writes report.html and metrics.json', async () => {
    const io = memoryIo(dir);
    const code = await main(
      ['eval', '--real', 'real.pcap', '--synthetic', 'same.pcap', '--out', 'out1', '--evaluators', 'distribution,validity,privacy'],
      [evalCommand],
      { io },
    );
    expect(io.err()).not.toMatch(/error \[/);
    expect(code).toBe(0);
    expect(io.out()).toContain('== @netsynth/evaluator-distribution');
    expect(io.out()).toContain(join(dir, 'out1', 'report.html'));
    const html = readFileSync(join(dir, 'out1', 'report.html'), 'utf8');
    expect(html).toContain('<svg class="cdf" id="cdf-packets-length"');
    const m = JSON.parse(readFileSync(join(dir, 'out1', 'metrics.json'), 'utf8')) as MetricsJson;
    expect(m.inputs['labels']).toBe('none');
    expect(metric(m, 'distribution', 'packets.length.emd')?.value).toBe(0);
    expect(metric(m, 'distribution', 'flows.protocol.jsd')?.value).toBe(0);
    expect(metric(m, 'validity', 'netshare.all')?.value).toBe(1);
    // The synthetic capture is the real one: every synthetic sample is a copy of a training sample.
    expect(metric(m, 'privacy', 'exact_copies.share')?.value).toBeGreaterThanOrEqual(0.5);
  });

  it('says when the synthetic capture differs, prints JSON with --json, and refuses to overwrite without --force', async () => {
    const first = memoryIo(dir);
    expect(
      await main(['eval', '--real', 'real.pcap', '--synthetic', 'other.pcap', '-o', 'out2', '--evaluators', 'distribution', '--json'], [evalCommand], {
        io: first,
      }),
    ).toBe(0);
    const m = JSON.parse(first.out()) as MetricsJson;
    expect(metric(m, 'distribution', 'flows.protocol.jsd')?.value).toBeGreaterThan(0.1);
    const again = memoryIo(dir);
    expect(
      await main(['eval', '--real', 'real.pcap', '--synthetic', 'other.pcap', '-o', 'out2', '--evaluators', 'distribution'], [evalCommand], { io: again }),
    ).toBe(2);
    expect(again.err()).toMatch(/OUTPUT_EXISTS.*--force|--force/s);
    const forced = memoryIo(dir);
    expect(
      await main(['eval', '--real', 'real.pcap', '--synthetic', 'other.pcap', '-o', 'out2', '--evaluators', 'distribution', '--force'], [evalCommand], {
        io: forced,
      }),
    ).toBe(0);
  });

  it('labels samples by file name when both sides are folders, so the classifiers have classes', async () => {
    const io = memoryIo(dir);
    const code = await main(['eval', '--real', 'a', '--synthetic', 'b', '-o', 'out3', '--evaluators', 'downstream', '--json'], [evalCommand], { io });
    expect(io.err()).not.toMatch(/error \[/);
    expect(code).toBe(0);
    const m = JSON.parse(io.out()) as MetricsJson;
    expect(m.inputs['labels']).toBe('filename');
    const rf = metric(m, 'downstream', 'tstr.random_forest.accuracy');
    expect(rf?.real).toBeGreaterThan(0.8);
    expect(rf?.synthetic).toBeGreaterThan(0.8);
    expect(existsSync(join(dir, 'out3', 'report.html'))).toBe(true);
  });

  it('gives downstream the same figures alone as after other evaluators (its seed follows its name, not its place in --evaluators)', async () => {
    const downstreamOf = async (evaluators: string, out: string): Promise<MetricsJson['evaluators'][number]['metrics']> => {
      const io = memoryIo(dir);
      expect(await main(['eval', '--real', 'a', '--synthetic', 'b', '-o', out, '--evaluators', evaluators, '--json'], [evalCommand], { io })).toBe(0);
      const m = JSON.parse(io.out()) as MetricsJson;
      return m.evaluators.find((e) => e.evaluator === '@netsynth/evaluator-downstream')?.metrics ?? [];
    };
    const alone = await downstreamOf('downstream', 'out7');
    expect(alone.length).toBeGreaterThan(0);
    expect(await downstreamOf('distribution,privacy,downstream', 'out8')).toEqual(alone);
  });

  it('writes captures of the evaluated samples only when a chosen evaluator declares needsPcap', async () => {
    const fixture = (file: string): string => fileURLToPath(new URL(`./fixtures/plugins/${file}`, import.meta.url));
    const [probe, blind] = [fixture('pcap-probe-evaluator.mjs'), fixture('pcap-blind-evaluator.mjs')];
    const run = async (evaluators: string, out: string): Promise<MetricsJson> => {
      const io = memoryIo(dir);
      expect(
        await main(['eval', '--real', 'real.pcap', '--synthetic', 'other.pcap', '-o', out, '--evaluators', evaluators, '--json'], [evalCommand], { io }),
      ).toBe(0);
      return JSON.parse(io.out()) as MetricsJson;
    };
    const bytes = (m: MetricsJson, evaluator: string, name: string): number | null | undefined =>
      m.evaluators.find((e) => e.evaluator === evaluator)?.metrics.find((x) => x.name === name)?.value;
    const alone = await run(blind, 'out5');
    expect(bytes(alone, 'local/pcap-blind', 'real_pcap_bytes')).toBe(0);
    expect(bytes(alone, 'local/pcap-blind', 'synthetic_pcap_bytes')).toBe(0);
    const both = await run(`${blind},${probe}`, 'out6');
    // A pcap header (24 bytes) and at least one packet record on each side.
    expect(bytes(both, 'local/pcap-probe', 'real_pcap_bytes')).toBeGreaterThan(40);
    expect(bytes(both, 'local/pcap-probe', 'synthetic_pcap_bytes')).toBeGreaterThan(40);
    // Both evaluators are handed the same sides.
    expect(bytes(both, 'local/pcap-blind', 'real_pcap_bytes')).toBe(bytes(both, 'local/pcap-probe', 'real_pcap_bytes'));
  });

  it('names an evaluator it cannot load', async () => {
    const io = memoryIo(dir);
    expect(await main(['eval', '--real', 'real.pcap', '--synthetic', 'same.pcap', '-o', 'out4', '--evaluators', 'nosuch'], [evalCommand], { io })).toBe(2);
    expect(io.err()).toContain('@netsynth/evaluator-nosuch');
    expect(existsSync(join(dir, 'out4'))).toBe(false);
  });
});
