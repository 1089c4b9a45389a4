import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '@netsynth/runner';
import { HAVE_CLI, HEAVY, REPO_ROOT, netsynth } from '../src/env.js';

/**
 * A NetShare user's path: NetFlow records (made here from the demo captures with
 * `netsynth export`), `netsynth init` on their folder, `netsynth run` → synthetic.csv in the
 * same header, and record metrics (fidelity, validity, sketches, anomaly detection).
 */
const DEMO = join(REPO_ROOT, 'examples', 'data', 'demo');
const root = mkdtempSync(join(tmpdir(), 'netsynth-records-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NETSHARE_HEADER = 'srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type';

describe.skipIf(!HAVE_CLI)('NetFlow records: export → init → run → synthetic.csv', () => {
  const dir = join(root, 'flows');
  const csv = join(dir, 'flows.csv');

  it(
    'netsynth export writes the flows of captures in NetShare’s schema, never over a file without --force',
    async () => {
      mkdirSync(dir, { recursive: true });
      const captures = ['web', 'dns', 'tls', 'udpstream'].map((c) => join(DEMO, `${c}.pcap`));
      const out = await netsynth(['export', ...captures, '--format', 'netflow-csv', '--label-column', 'type', '-o', csv]);
      expect(out.code, out.stderr).toBe(0);
      const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe(NETSHARE_HEADER);
      expect(lines.length).toBeGreaterThan(20);
      const row = lines[1]!.split(',');
      expect(row[4]).toMatch(/^(TCP|UDP|ICMP|\d+)$/);
      expect(Number(row[5])).toBeGreaterThan(1e15); // microseconds since the epoch
      expect(new Set(lines.slice(1).map((l) => l.split(',').at(-1)))).toEqual(new Set(['web', 'dns', 'tls', 'udpstream']));
      const again = await netsynth(['export', captures[0]!, '--format', 'netflow-csv', '-o', csv]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('OUTPUT_EXISTS');
    },
    HEAVY,
  );

  it(
    'netsynth init recognises the record folder and the starter config runs to synthetic.csv and record metrics',
    async () => {
      const init = await netsynth(['init', dir]);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toContain('labels from column type (dns, tls, udpstream, web)');
      const { config } = await loadConfigFile(join(dir, 'netsynth.yaml'));
      expect(config.input.records).toEqual(['flows.csv']);
      expect(config.input.labels).toMatchObject({ from: 'column', column: 'type' });
      expect(config.encoder?.plugin).toBe('@netsynth/encoder-flowrecord');
      expect(config.generator).toMatchObject({ plugin: '@netsynth/generator-ddpm', options: { dims: 1 } });
      expect(config.evaluators.map((e) => e.plugin)).toEqual(['@netsynth/evaluator-netflow', '@netsynth/evaluator-sketch', '@netsynth/evaluator-anomaly']);
      expect(config.output.pcap).toBe(false);

      const sets = ['generator.options.steps=20', 'generator.options.sampleSteps=5', 'generator.options.channels=16', 'generator.samplesPerLabel=6'];
      const run = await netsynth(['run', join(dir, 'netsynth.yaml'), '--json', ...sets.flatMap((s) => ['--set', s])]);
      expect(run.code, run.stderr).toBe(0);
      const synthetic = readFileSync(join(dir, 'out', 'synthetic.csv'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(synthetic[0]).toBe(NETSHARE_HEADER);
      expect(synthetic).toHaveLength(1 + 4 * 6);
      for (const line of synthetic.slice(1)) {
        const v = line.split(',');
        expect(v).toHaveLength(10);
        expect(v[0]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(['dns', 'tls', 'udpstream', 'web']).toContain(v[9]);
      }
      expect(existsSync(join(dir, 'out', 'synthetic.pcap'))).toBe(false);
      const metrics = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8')) as {
        evaluators: { metrics: { name: string; value: number | null; floor?: number | null; class?: string }[] }[];
      };
      const names = metrics.evaluators.flatMap((e) => e.metrics.filter((m) => m.class === undefined).map((m) => m.name));
      for (const f of ['srcport', 'dstport', 'proto']) expect(names).toContain(`records.${f}.jsd`);
      for (const f of ['td', 'pkt', 'byt']) expect(names).toContain(`records.${f}.emd`);
      expect(names.filter((n) => n.startsWith('records.validity.'))).toHaveLength(4);
      expect(names.some((n) => n.includes('heavy'))).toBe(true);
      expect(names.filter((n) => n.includes('sketch')).length).toBeGreaterThanOrEqual(4);
      expect(names.filter((n) => n.includes('anomal')).length).toBeGreaterThanOrEqual(4);
      const all = metrics.evaluators.flatMap((e) => e.metrics);
      expect(all.filter((m) => m.name.includes('heavy')).every((m) => typeof m.floor === 'number')).toBe(true);
    },
    HEAVY,
  );

  it(
    'a malformed record names file, line and column',
    async () => {
      const bad = join(root, 'bad');
      mkdirSync(bad);
      writeFileSync(
        join(bad, 'r.csv'),
        'srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt\n10.0.0.1,10.0.0.2,1,2,TCP,1,0,1,40\n10.0.0.1,10.0.0.2,1,2,TCP,1,0,many,40\n',
      );
      writeFileSync(join(bad, 'c.yaml'), 'input:\n  records: [r.csv]\n  holdout: 0\n');
      const run = await netsynth(['run', join(bad, 'c.yaml')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('[RECORD_FORMAT]');
      expect(run.stderr).toMatch(/r\.csv.*line 3, column pkt/);
    },
    HEAVY,
  );
});
