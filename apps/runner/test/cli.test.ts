import { existsSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureAll } from '@netsynth/pcap';
import { initCommand, inspectCommand, loadConfigFile, main, memoryIo, pluginsCommand, runCommand, type CliCommand } from '../src/index.js';
import { cleanupTmp, linkCoreInto, tmp, writeFiles, writeTinyCaptures } from './helpers.js';

const ALL: CliCommand[] = [runCommand, inspectCommand, pluginsCommand, initCommand];
const FIXTURES = fileURLToPath(new URL('./fixtures/plugins/', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = tmp();
  await writeTinyCaptures(dir, 2);
});
afterAll(cleanupTmp);

async function cli(args: string[], cwd = dir): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(cwd);
  const code = await main(args, ALL, { io });
  return { code, out: io.out(), err: io.err() };
}

describe('netsynth (usage)', () => {
  it('--help exits 0 and lists the commands on stdout', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'inspect', 'plugins', 'init']) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('run --help shows every config key', async () => {
    const r = await cli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('input.flows.windowPackets');
    expect(r.out).toContain('--from <stage>');
  });

  it('an unknown option or a bad value is a usage error (exit 2)', async () => {
    const r = await cli(['inspect', 'x.pcap', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error \[USAGE\] unknown option '--bogus'/);
    expect((await cli(['run', 'c.yaml', '--seed', '-3'])).code).toBe(2);
    expect((await cli(['run', 'c.yaml', '--from', 'painting'])).code).toBe(2);
  });
});

describe('netsynth inspect', () => {
  it('--json prints only JSON on stdout: counts, protocols, flows', async () => {
    const r = await cli(['inspect', 'captures/web.pcap', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    const { packets } = await readCaptureAll(join(dir, 'captures/web.pcap'));
    expect(report.packets).toBe(packets.length);
    expect(report.bytes).toBe(packets.reduce((n, p) => n + p.capturedLength, 0));
    expect(report.linkTypes).toEqual([101]);
    expect(report.protocolCounts).toMatchObject({ ipv4: packets.length, tcp: packets.length, udp: 0 });
    expect(report.flows).toBe(2);
    expect(report.packetRecords).toBeUndefined();
  });

  it('--packets gives one record per packet with tshark-comparable fields', async () => {
    const r = await cli(['inspect', join(dir, 'captures/web.pcap'), '--json', '--packets']);
    const report = JSON.parse(r.out);
    const first = report.packetRecords[0];
    expect(first).toMatchObject({
      frame: 1,
      linkType: 101,
      ip: { version: 4, src: '10.0.0.2', dst: '10.0.0.1', protocol: 6, totalLength: 40, ttl: 64 },
      tcp: { srcPort: 40000, dstPort: 80, flags: 0x002, flagNames: 'SYN', seq: 41000, ack: 0 },
    });
    expect(report.packetRecords[1].tcp.flagNames).toBe('SYN,ACK');
    expect(report.packetRecords).toHaveLength(report.packets);
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli(['inspect', 'captures/bulk.pcap', '--packets']);
    expect(r.out).toMatch(/packets\s+\d+/);
    expect(r.out).toMatch(/10\.0\.0\.2:40000 → 10\.0\.0\.1:80\s+TCP\s+\[SYN\]/);
  });

  it('a file that is not a capture: typed error with file and offset, exit 1', async () => {
    writeFileSync(join(dir, 'junk.pcap'), 'definitely not a capture file');
    const r = await cli(['inspect', 'junk.pcap']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error \[PCAP_FORMAT\] .*junk\.pcap/m);
    expect(r.err).toMatch(/^ {2}byte offset: 0$/m);
    expect(r.err).toMatch(/^ {2}hint: /m);
  });
});

describe('netsynth plugins', () => {
  it('lists installed plugins and --plugin specs with kind, version and options schema', async () => {
    const r = await cli(['plugins', '--json', '--plugin', './echo-evaluator.mjs', '--plugin', './pkg-encoder'], FIXTURES);
    expect(r.code).toBe(0);
    const { plugins } = JSON.parse(r.out);
    const echo = plugins.find((p: { name: string }) => p.name === 'local/echo-evaluator');
    expect(echo).toMatchObject({ kind: 'evaluator', version: '0.0.1' });
    expect(echo.options.properties.factor).toMatchObject({ type: 'number', default: 1 });
    expect(plugins.find((p: { name: string }) => p.name === 'pkg-encoder')).toMatchObject({ kind: 'encoder', package: 'pkg-encoder' });
    // The project's own plugins the runner depends on are listed too (those that are built).
    expect(plugins.some((p: { name: string }) => p.name.startsWith('@netsynth/'))).toBe(true);
  });

  it('prints options readably', async () => {
    const r = await cli(['plugins', '--plugin', './echo-evaluator.mjs'], FIXTURES);
    expect(r.out).toMatch(/^local\/echo-evaluator 0\.0\.1 \(evaluator\)$/m);
    expect(r.out).toMatch(/^ {4}factor {2}number, default 1$/m);
  });
});

describe('netsynth init', () => {
  it('writes a valid starter config with labels from file names, and refuses to overwrite it', async () => {
    const d = tmp();
    mkdirSync(join(d, 'pcaps'));
    for (const n of ['web', 'bulk']) copyFileSync(join(dir, 'captures', `${n}.pcap`), join(d, 'pcaps', `${n}.pcap`));
    const r = await cli(['init'], d);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote netsynth\.yaml: 2 capture\(s\), labels from filename names \(bulk, web\)/);
    const loaded = await loadConfigFile(join(d, 'netsynth.yaml'));
    expect(loaded.config.input.captures).toEqual(['pcaps/bulk.pcap', 'pcaps/web.pcap']);
    expect(loaded.config.input.labels.from).toBe('filename');
    const again = await cli(['init'], d);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/error \[OUTPUT_EXISTS\] .*netsynth\.yaml/);
    expect((await cli(['init', '--force'], d)).code).toBe(0);
  });

  it('uses folder names as labels when captures sit in several folders', async () => {
    const d = tmp();
    for (const [folder, n] of [
      ['video', 'web'],
      ['chat', 'bulk'],
    ]) {
      mkdirSync(join(d, 'data', folder as string), { recursive: true });
      copyFileSync(join(dir, 'captures', `${n}.pcap`), join(d, 'data', folder as string, 'a.pcap'));
    }
    const r = await cli(['init', 'data', '--config', 'mine.yaml', '--json'], d);
    const written = JSON.parse(r.out);
    expect(written.labelsFrom).toBe('directory');
    expect(written.labels).toEqual(['chat', 'video']);
    expect((await loadConfigFile(join(d, 'data', 'mine.yaml'))).config.input.labels.from).toBe('directory');
  });

  it('-c with a config elsewhere names the captures relative to the config file, which is where they resolve from', async () => {
    const d = tmp();
    mkdirSync(join(d, 'data', 'pcaps'), { recursive: true });
    mkdirSync(join(d, 'configs', 'deep'), { recursive: true });
    for (const n of ['web', 'bulk']) copyFileSync(join(dir, 'captures', `${n}.pcap`), join(d, 'data', 'pcaps', `${n}.pcap`));
    const config = join(d, 'configs', 'deep', 'elsewhere.yaml');
    const r = await cli(['init', 'data', '-c', config], d);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`outputs go to ${join('configs', 'deep', 'out')}`);
    const loaded = await loadConfigFile(config);
    expect(loaded.config.input.captures).toEqual(['../../data/pcaps/bulk.pcap', '../../data/pcaps/web.pcap']);
    for (const c of loaded.config.input.captures) expect(existsSync(join(loaded.dir, c))).toBe(true);
  });

  it('-c for a folder of record CSVs names them relative to the config file too', async () => {
    const d = tmp();
    mkdirSync(join(d, 'flows'));
    writeFileSync(join(d, 'flows', 'a.csv'), 'srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt\n10.0.0.1,10.0.0.2,1234,80,6,0,1,3,300\n');
    const config = join(d, 'cfg', 'records.yaml');
    mkdirSync(join(d, 'cfg'));
    const r = await cli(['init', 'flows', '-c', config], d);
    expect(r.code, r.err).toBe(0);
    const loaded = await loadConfigFile(config);
    expect(loaded.config.input.records).toEqual(['../flows/a.csv']);
  });

  it('an empty folder says what to do', async () => {
    const r = await cli(['init'], tmp());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no \.pcap, \.pcapng or \.cap file under .*put your captures there/);
  });
});

describe('netsynth run (CLI)', () => {
  it('runs a config naming a local plugin; progress on stderr, JSON result on stdout', async () => {
    // A local plugin imports @netsynth/core and zod: installed in the user's folder.
    linkCoreInto(dir);
    cpFixture('echo-evaluator.mjs');
    writeFiles(dir, {
      'echo.yaml': 'input:\n  captures: [captures]\n  holdout: 0.5\nevaluators:\n  - plugin: ./echo-evaluator.mjs\n    options: { factor: 2 }\n',
    });
    const r = await cli(['run', 'echo.yaml', '--json', '--out', 'echo-out']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.outDir).toBe(join(dir, 'echo-out'));
    expect(result.metrics.evaluators[0].metrics[0]).toMatchObject({ name: 'ratio', value: 2 });
    expect(r.err).toMatch(/^stage ingest: done in .*: 4 samples/m);
    expect(r.err).toMatch(/^stage evaluate: done in /m);
    expect(existsSync(join(dir, 'echo-out', 'manifest.json'))).toBe(true);

    const again = await cli(['run', 'echo.yaml', '--out', 'echo-out']);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/stage evaluate: already done, skipped/);
    expect(again.out).toMatch(/2 stages \(0 ran, 2 already done\)\. Outputs in .*echo-out:/);
    expect(again.out).toContain('metrics.json');
    const manifest = JSON.parse(readFileSync(join(dir, 'echo-out', 'manifest.json'), 'utf8'));
    expect(manifest.plugins[0]).toMatchObject({ spec: './echo-evaluator.mjs', name: 'local/echo-evaluator', configPath: 'evaluators.0' });
  });

  it('an existing output of another config: exit 2 with a hint to use --force', async () => {
    writeFiles(dir, {
      'echo2.yaml': 'input:\n  captures: [captures]\n  holdout: 0.5\nevaluators:\n  - plugin: ./echo-evaluator.mjs\n    options: { factor: 3 }\n',
    });
    const r = await cli(['run', 'echo2.yaml', '--out', 'echo-out']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error \[OUTPUT_EXISTS\]/);
    expect(r.err).toMatch(/hint: pass --force/);
    expect((await cli(['run', 'echo2.yaml', '--out', 'echo-out', '--force'])).code).toBe(0);
  });
});

describe('Ctrl-C (an aborted signal): exit 130, and the resume hint only where it applies', () => {
  async function interrupted(args: string[]): Promise<{ code: number; err: string }> {
    const controller = new AbortController();
    controller.abort();
    const io = memoryIo(dir);
    const code = await main(args, ALL, { io, signal: controller.signal });
    return { code, err: io.err() };
  }

  it('run keeps its finished stages: the hint says to run it again to resume', async () => {
    writeFiles(dir, { 'stop.yaml': 'input:\n  captures: [captures]\n  holdout: 0.5\nevaluators: []\n' });
    const r = await interrupted(['run', 'stop.yaml', '--out', 'stop-out']);
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/error \[INTERRUPTED\]/);
    expect(r.err).toMatch(/hint: finished stages are kept: run the same command again to resume/);
  });

  it('any other command has no stages to resume: no resume hint', async () => {
    const r = await interrupted(['inspect', 'captures/web.pcap']);
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/error \[INTERRUPTED\]/);
    expect(r.err).not.toMatch(/finished stages|resume/);
    expect(r.err).toMatch(/hint: no output is left half-written/);
  });
});

function cpFixture(name: string): void {
  copyFileSync(join(FIXTURES, name), join(dir, name));
}
