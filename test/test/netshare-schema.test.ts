import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '@netsynth/runner';
import { HAVE_CLI, HEAVY, REPO_ROOT, netsynth } from '../src/env.js';

/**
 * The files a NetShare user brings, laid out as NetShare's published samples are: UGR16
 * (`srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type`, addresses as unsigned 32-bit
 * integers, ts as float seconds `1458000000.0`, one file per class that carries its label in `type`)
 * and CIDDS (`…,byt,label,type`). Made from the demo captures with `netsynth export` and
 * reshaped here; `netsynth init` + `netsynth run` must keep the layout and take the labels
 * from the column, not from the file names.
 */
const DEMO = join(REPO_ROOT, 'examples', 'data', 'demo');
const CLASSES = ['dns', 'tls', 'udpstream', 'web'];
const UGR16_HEADER = 'srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type';
const root = mkdtempSync(join(tmpdir(), 'netsynth-netshare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A dotted quad as NetShare's UGR16 sample writes addresses: the unsigned 32-bit value. */
const integerAddress = (dotted: string): string => String(dotted.split('.').reduce((n, p) => n * 256 + Number(p), 0));

/** netsynth export's rows (dotted quads, integer microseconds) rewritten in the UGR16 sample's value formats. */
function ugr16Rows(exported: string): string[][] {
  const [, ...rows] = exported.trimEnd().split('\n');
  return rows.map((line) => {
    const v = line.split(',');
    return [integerAddress(v[0]!), integerAddress(v[1]!), v[2]!, v[3]!, v[4]!, `${v[5]!.slice(0, -6)}.0`, ...v.slice(6)];
  });
}

function writeCsv(file: string, header: string, rows: readonly string[][]): void {
  writeFileSync(file, `${[header, ...rows.map((r) => r.join(','))].join('\n')}\n`);
}

describe.skipIf(!HAVE_CLI)('NetShare-schema record files: init picks the label column, run keeps the layout', () => {
  const perClass = new Map<string, string[][]>();
  beforeAll(async () => {
    for (const c of CLASSES) {
      const out = join(root, `${c}.export.csv`);
      const r = await netsynth(['export', join(DEMO, `${c}.pcap`), '--format', 'netflow-csv', '--label-column', 'type', '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      perClass.set(c, ugr16Rows(readFileSync(out, 'utf8')));
    }
  }, HEAVY);

  it(
    'one UGR16-layout file per class with a type column: labels from the column (not the file names), synthetic.csv in the same layout, the record metrics',
    async () => {
      const dir = join(root, 'ugr16');
      mkdirSync(dir);
      // File names that are no class: file-name labels would make the classes part-1…part-4.
      CLASSES.forEach((c, i) => writeCsv(join(dir, `part-${i + 1}.csv`), UGR16_HEADER, perClass.get(c)!));
      const init = await netsynth(['init', dir]);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toContain(`labels from column type (${CLASSES.join(', ')})`);
      expect(init.stdout).toMatch(/all 4 files have a label column "type" .*wins over file names/);
      const { config } = await loadConfigFile(join(dir, 'netsynth.yaml'));
      expect(config.input.labels).toMatchObject({ from: 'column', column: 'type' });

      const sets = [
        'generator.options.steps=20',
        'generator.options.sampleSteps=5',
        'generator.options.channels=16',
        'generator.samplesPerLabel=5',
        'input.flows.maxSamplesPerLabel=40',
      ];
      const run = await netsynth(['run', join(dir, 'netsynth.yaml'), ...sets.flatMap((s) => ['--set', s])]);
      expect(run.code, run.stderr).toBe(0);
      const starts = [...perClass.values()].flat().map((r) => Number(r[5]));
      const [firstStart, lastStart, DAY] = [Math.min(...starts), Math.max(...starts), 86_400];
      const [header, ...rows] = readFileSync(join(dir, 'out', 'synthetic.csv'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(header).toBe(UGR16_HEADER);
      expect(rows).toHaveLength(CLASSES.length * 5);
      for (const row of rows) {
        const v = row.split(',');
        expect(v).toHaveLength(10);
        expect(v[0]).toMatch(/^\d+$/); // addresses stay unsigned integers, as the input wrote them
        expect(Number(v[1])).toBeLessThanOrEqual(0xffffffff);
        expect(v[4]).toMatch(/^([A-Z]+|\d{1,3})$/); // a name, or the number of a protocol without one (20 steps learn little)
        expect(CLASSES).toContain(v[9]);
        // Start times stay whole seconds with `.0`, in the input's range (not microseconds, not rescaled).
        expect(v[5]).toMatch(/^\d+\.0$/);
        expect(Number(v[5])).toBeGreaterThanOrEqual(firstStart - DAY);
        expect(Number(v[5])).toBeLessThanOrEqual(lastStart + DAY);
      }
      expect(new Set(rows.map((r) => r.split(',')[9]))).toEqual(new Set(CLASSES));

      const metrics = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8')) as {
        evaluators: { metrics: { name: string; value: number | null; class?: string }[] }[];
      };
      const names = metrics.evaluators.flatMap((e) => e.metrics.filter((m) => m.class === undefined).map((m) => m.name));
      for (const f of ['srcip', 'dstip', 'srcport', 'dstport', 'proto']) expect(names).toContain(`records.${f}.jsd`);
      for (const f of ['td', 'pkt', 'byt']) expect(names).toContain(`records.${f}.emd`);
      expect(names.filter((n) => n.startsWith('records.validity.'))).toHaveLength(4);
      expect(names.some((n) => n.includes('heavy') || n.includes('sketch'))).toBe(true);
      expect(names.some((n) => n.includes('anomal'))).toBe(true);
    },
    HEAVY,
  );

  it(
    'without a label column each file is a class, and init says why; a CIDDS layout (label and type) labels by type',
    async () => {
      const plain = join(root, 'plain');
      mkdirSync(plain);
      const bare = UGR16_HEADER.replace(',type', '');
      for (const c of CLASSES)
        writeCsv(
          join(plain, `${c}.csv`),
          bare,
          perClass.get(c)!.map((r) => r.slice(0, 9)),
        );
      const init = await netsynth(['init', plain]);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toContain('labels from file names');
      expect(init.stdout).toContain('no column named type, class, label, attack type or category in all 4 files');
      expect((await loadConfigFile(join(plain, 'netsynth.yaml'))).config.input.labels.from).toBe('filename');

      const cidds = join(root, 'cidds');
      mkdirSync(cidds);
      const rows = CLASSES.flatMap((c) => perClass.get(c)!.map((r) => [...r.slice(0, 9), c === 'dns' ? 'attacker' : 'normal', r[9]!]));
      writeCsv(join(cidds, 'raw.csv'), UGR16_HEADER.replace(',type', ',label,type'), rows);
      const cinit = await netsynth(['init', cidds]);
      expect(cinit.code, cinit.stderr).toBe(0);
      expect(cinit.stdout).toContain(`labels from column type (${CLASSES.join(', ')})`);
      expect(cinit.stdout).toContain('preferred over label');
    },
    HEAVY,
  );
});
