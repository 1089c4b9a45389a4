import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Packet } from '@netsynth/core';
import { ipDatagram, readCaptureAll } from '@netsynth/pcap';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, sharedPath } from '@netsynth/test-support';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint data tests');

/**
 * The `netsynth encode` / `netsynth decode` commands (apps/runner/src/commands/{encode,decode}.ts),
 * run through the built CLI. Skipped when the runner is not built (or built without them).
 */
const CLI = fileURLToPath(new URL('../../../apps/runner/dist/cli.js', import.meta.url));
const HAVE_CLI = existsSync(CLI) && /\bencode\b/.test(spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout);
if (!HAVE_CLI) console.warn('skipping netsynth encode/decode CLI tests: apps/runner/dist/cli.js is not built with them');

const work = mkdtempSync(join(tmpdir(), 'nprint-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function netsynth(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: work, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const ipOf = (p: Packet): Uint8Array => {
  const d = ipDatagram(p);
  if (!d) throw new Error('no IP');
  return d.bytes.subarray(d.offset);
};

describe.skipIf(!HAVE_CLI || !HAVE_SHARED)('netsynth encode / decode with nprint', () => {
  it('capture → tensor folder → capture: every header byte and time comes back (addresses kept)', async () => {
    const capture = sharedPath('lab', 'dns.pcap');
    const enc = netsynth(
      'encode',
      capture,
      '--encoder',
      'nprint',
      '--out',
      'enc',
      '--options',
      '{"keepAddresses":true,"maxPackets":8}',
      '--max-samples-per-label',
      '6',
      '--json',
    );
    expect(enc.code, enc.stderr).toBe(0);
    expect(JSON.parse(enc.stdout)).toMatchObject({ samples: 6, shape: [4, 8, 1408], images: 6 });
    for (const f of ['encoder.json', 'tensors.safetensors', 'samples.json', 'images/dns/00005.png']) expect(existsSync(join(work, 'enc', f))).toBe(true);

    const dec = netsynth('decode', 'enc', '--out', 'dec.pcap', '--json');
    expect(dec.code, dec.stderr).toBe(0);
    expect(JSON.parse(dec.stdout)).toMatchObject({ samples: 6, packets: 12, problems: [] });
    const decoded = (await readCaptureAll(join(work, 'dec.pcap'))).packets;
    const original = new Map((await readCaptureAll(capture)).packets.map((p) => [p.timestampNs / 1000n, p] as const));
    expect(decoded).toHaveLength(12);
    for (const p of decoded) {
      expect(p.linkType).toBe(101);
      const o = original.get(p.timestampNs / 1000n);
      expect(o, `a packet at ${p.timestampNs} ns in the capture`).toBeDefined();
      const ip = ipOf(o as Packet);
      const header = ((ip[0] as number) & 15) * 4 + 8; // IPv4 + UDP
      expect(Buffer.from(p.data.subarray(0, header)).equals(Buffer.from(ip.subarray(0, header)))).toBe(true);
      expect(p.data.length).toBe(((ip[2] as number) << 8) | (ip[3] as number));
    }
  });

  it('nPrint CSV → capture → CSV reproduces preprocessed_netflix_01.nprint', () => {
    expect(netsynth('decode', sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'), '--encoder', 'nprint', '--out', 'pre.pcap').code).toBe(0);
    const enc = netsynth('encode', 'pre.pcap', '--encoder', 'nprint', '--format', 'csv', '--out', 'pre.nprint');
    expect(enc.code, enc.stderr).toBe(0);
    expect(readFileSync(join(work, 'pre.nprint')).equals(readFileSync(sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint')))).toBe(true);
  });

  it('picture → snapped CSV reproduces generated_netflix_5.nprint; its rows are reported, not dropped', () => {
    const r = netsynth('decode', sharedPath('netdiffusion', 'generated_netflix_5.png'), '--encoder', 'nprint', '--format', 'csv', '--out', 'gen.nprint');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(work, 'gen.nprint')).equals(readFileSync(sharedPath('netdiffusion', 'generated_netflix_5.nprint')))).toBe(true);
    // Strictly decoded, no generated row is a packet: exit 1, and the hint names --rows repair.
    const p = netsynth('decode', 'gen.nprint', '--encoder', 'nprint', '--out', 'gen.pcap', '--json');
    expect(p.code, p.stderr).toBe(1);
    expect(p.stderr).toMatch(/no packets were written: try --rows repair/);
    const summary = JSON.parse(p.stdout) as { packets: number; problems: { index: number }[] };
    expect(summary.packets + summary.problems.length).toBe(1024);
  });

  it('--rows repair: the generated rows become packets, every repaired row listed; values learned with --learn; same seed, same bytes', () => {
    const args = [
      'decode',
      'gen.nprint',
      '--encoder',
      'nprint',
      '--rows',
      'repair',
      '--learn',
      sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'),
      '--json',
    ];
    const a = netsynth(...args, '--out', 'rows-a.pcap');
    expect(a.code, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout) as {
      packets: number;
      problems: { index?: number; message: string }[];
      reports: { rowRepair: { repaired: number; padding: number } }[];
    };
    expect(summary.packets).toBe(1024 - (summary.reports[0]?.rowRepair.padding ?? 0));
    expect(summary.problems.filter((p) => p.index !== undefined)).toHaveLength(summary.reports[0]?.rowRepair.repaired ?? -1);
    expect(summary.problems.some((p) => /learned/.test(p.message))).toBe(true);
    expect(netsynth(...args, '--out', 'rows-b.pcap').code).toBe(0);
    expect(readFileSync(join(work, 'rows-a.pcap')).equals(readFileSync(join(work, 'rows-b.pcap')))).toBe(true);
    const text = netsynth('decode', 'gen.nprint', '--encoder', 'nprint', '--rows', 'repair', '--out', 'rows-c.pcap');
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/row repair: 1024 rows → 1024 packets/);
    expect(text.stderr).toMatch(/1024 row\(s\) repaired into packets/);
    expect(text.stderr).not.toMatch(/could not be decoded/);
    const noRepair = netsynth('decode', 'gen.nprint', '--encoder', 'nprint', '--learn', 'pre.pcap', '--out', 'rows-d.pcap');
    expect(noRepair.code).toBe(2);
    expect(noRepair.stderr).toMatch(/--learn needs --rows repair/);
  });

  it('--rows repair on a tensor folder of real traffic changes nothing (the encoder learned from it)', async () => {
    const strict = await readCaptureAll(join(work, 'dec.pcap'));
    const r = netsynth('decode', 'enc', '--rows', 'repair', '--out', 'dec-rows.pcap', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { reports: { rowRepair: { repaired: number } }[] };
    expect(summary.reports.length).toBeGreaterThan(0);
    expect(summary.reports.every((s) => s.rowRepair.repaired === 0)).toBe(true);
    const repaired = await readCaptureAll(join(work, 'dec-rows.pcap'));
    expect(repaired.packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(strict.packets.map((p) => Buffer.from(p.data).toString('hex')));
  });

  it('refuses to overwrite without --force, and csv only for nprint', () => {
    const again = netsynth('decode', sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'), '--out', 'pre.pcap');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/OUTPUT_EXISTS/);
    expect(netsynth('decode', sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'), '--out', 'pre.pcap', '--force').code).toBe(0);
    const bad = netsynth('decode', sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'), '--format', 'csv', '--out', 'x.nprint');
    expect(bad.code).toBe(2);
  });
});
