import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_SHARED, HAVE_TSHARK, SHARED, exec, netsynth } from '../src/env.js';

/**
 * NetDiffusion's raw generated picture (generated_netflix_5.png) through netsynth instead of
 * NetDiffusion's heuristics: `decode --rows repair` (row-level structure, values learned from the
 * real Netflix sample preprocessed_netflix_01.nprint — NetDiffusion also fits its direction chain
 * on a real sample) → the five rulesets' repair → `check --strict` → tshark. Strict decoding
 * gets no packet from the picture at all. Figures of NetDiffusion's own result
 * (replayable_netflix_5.pcap) are printed beside ours.
 */
const ND = join(SHARED, 'netdiffusion');
const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

async function fields(file: string, field: string, filter = 'frame'): Promise<string[]> {
  const r = await exec('tshark', ['-n', '-r', file, ...CHECKSUMS, '-Y', filter, '-T', 'fields', '-e', field]);
  if (r.code !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}
const count = async (file: string, filter: string): Promise<number> => (await fields(file, 'frame.number', filter)).length;
const distinct = async (file: string, field: string, filter?: string): Promise<number> => new Set(await fields(file, field, filter)).size;

interface Figures {
  packets: number;
  protocols: { tcp: number; udp: number; icmp: number; ipv6: number };
  badChecksums: number;
  malformed: number;
  expertErrors: number;
  expertWarnings: number;
  distinctTcpFlags: number;
  wscaleValues: string[];
  wscaleAbove14: number;
  mssOutsideSyn: number;
  ttl1: number;
  cwrEceNs: number;
  durationSeconds: number;
}

async function figures(file: string): Promise<Figures> {
  const times = (await fields(file, 'frame.time_relative')).map(Number);
  return {
    packets: await count(file, 'frame'),
    protocols: { tcp: await count(file, 'tcp'), udp: await count(file, 'udp'), icmp: await count(file, 'icmp'), ipv6: await count(file, 'ipv6') },
    badChecksums: await count(file, 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0'),
    malformed: await count(file, '_ws.malformed'),
    expertErrors: await count(file, '_ws.expert.severity == error'),
    expertWarnings: await count(file, '_ws.expert.severity == warning'),
    distinctTcpFlags: await distinct(file, 'tcp.flags', 'tcp'),
    wscaleValues: [...new Set(await fields(file, 'tcp.options.wscale.shift', 'tcp.options.wscale.shift'))].sort((a, b) => Number(a) - Number(b)),
    wscaleAbove14: await count(file, 'tcp.options.wscale.shift > 14'),
    mssOutsideSyn: await count(file, 'tcp.options.mss && tcp.flags.syn == 0'),
    ttl1: await count(file, 'ip.ttl == 1'),
    cwrEceNs: await count(file, 'tcp.flags & 0x1c0'),
    durationSeconds: Math.round((times.at(-1) ?? 0) * 10) / 10,
  };
}

describe.skipIf(!HAVE_SHARED || !HAVE_CLI)('generated_netflix_5.png: decode --rows repair, then the rulesets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const png = join(ND, 'generated_netflix_5.png');

  it('strict decoding finds no packet; repair gives every non-padding row a packet, and the rulesets leave nothing for check --strict', async () => {
    const strict = await netsynth(['decode', png, '--encoder', 'nprint', '--out', join(dir, 'strict.pcap'), '--json']);
    // No packet written is a failed decode (exit 1) that suggests --rows repair.
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/--rows repair/);
    const s = JSON.parse(strict.stdout) as { packets: number; problems: unknown[] };
    expect(s.packets).toBe(0);
    expect(s.problems).toHaveLength(1024);

    const rows = join(dir, 'rows.pcap');
    const dec = await netsynth([
      'decode',
      png,
      '--encoder',
      'nprint',
      '--rows',
      'repair',
      '--learn',
      join(ND, 'preprocessed_netflix_01.nprint'),
      '--out',
      rows,
      '--json',
    ]);
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    const d = JSON.parse(dec.stdout) as {
      packets: number;
      problems: { index?: number; message: string }[];
      reports: { rowRepair: { padding: number; repaired: number; rows: number } }[];
    };
    const summary = d.reports[0]?.rowRepair;
    expect(summary?.rows).toBe(1024);
    expect(d.packets).toBeGreaterThanOrEqual(1024 - (summary?.padding ?? 0));
    // Every repaired row is listed with its changes; nothing else went wrong.
    expect(d.problems.filter((p) => p.index !== undefined && p.message.startsWith('repaired into an IPv4'))).toHaveLength(summary?.repaired ?? -1);

    const repaired = join(dir, 'repaired.pcap');
    const rep = await netsynth(['check', rows, '--rules', 'ipv4,tcp,udp,icmp,flow', '--strict', '--repair', repaired, '--json']);
    expect(rep.code).toBe(0);
    const report = JSON.parse(rep.stdout) as { packets: number; before: { total: number }; after: { total: number }; repair: { changes: number } };
    expect(report.after.total).toBe(0);
    const again = await netsynth(['check', repaired, '--rules', 'ipv4,tcp,udp,icmp,flow', '--strict', '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { before: { total: number } }).before.total).toBe(0);

    if (!HAVE_TSHARK) {
      console.log('tshark not installed: the tshark half of this test is skipped');
      return;
    }
    const ours = await figures(repaired);
    const theirs = await figures(join(ND, 'replayable_netflix_5.pcap'));
    console.log(
      `generated_netflix_5.png → netsynth (decode --rows repair --learn preprocessed_netflix_01.nprint, then ipv4,tcp,udp,icmp,flow repair) vs NetDiffusion's replayable_netflix_5.pcap:\n` +
        JSON.stringify(
          {
            netsynth: ours,
            netdiffusion: theirs,
            rowRepair: summary,
            rulesetViolations: { before: report.before.total, after: report.after.total },
            rulesetFieldChanges: report.repair.changes,
          },
          null,
          2,
        ),
    );
    expect(ours.packets).toBe(d.packets);
    expect(ours.malformed).toBe(0);
    expect(ours.expertErrors).toBe(0);
    expect(ours.badChecksums).toBe(0);
    expect(ours.wscaleAbove14).toBe(0);
    expect(ours.mssOutsideSyn).toBe(0);
    // NetDiffusion's known faults on the same picture (so a different input would be noticed).
    expect(theirs.badChecksums).toBe(1024);
    expect(theirs.wscaleAbove14).toBeGreaterThan(0);
  }, 60_000);
});
