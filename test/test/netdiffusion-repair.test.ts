import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_SHARED, HAVE_TSHARK, SHARED, exec, netsynth } from '../src/env.js';

/**
 * NetDiffusion's published output (replayable_netflix_5.pcap) through `netsynth check --repair`:
 * tshark, validating every checksum it knows, finds no bad IP/TCP/UDP/ICMP checksum, no
 * expert-info error, no window scale above 14 and no MSS option outside a SYN in the repaired
 * file. The figures on the original file are printed beside them (and checked to be the known
 * faults, so the test would notice a different input).
 */
const INPUT = join(SHARED, 'netdiffusion', 'replayable_netflix_5.pcap');
const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

async function countFrames(file: string, filter: string): Promise<number> {
  const r = await exec('tshark', ['-n', '-r', file, ...CHECKSUMS, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  if (r.code !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/** Expert-info entries of error severity, as `tshark -z expert,error` counts them. */
async function expertErrors(file: string): Promise<number> {
  const r = await exec('tshark', ['-n', '-q', '-r', file, ...CHECKSUMS, '-z', 'expert,error']);
  if (r.code !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const m = /Errors \((\d+)\)/.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}

interface Figures {
  badChecksums: { ip: number; tcp: number; udp: number; icmp: number };
  expertErrors: number;
  wscaleAbove14: number;
  mssOutsideSyn: number;
}

async function figures(file: string): Promise<Figures> {
  return {
    badChecksums: {
      ip: await countFrames(file, 'ip.checksum.status == 0'),
      tcp: await countFrames(file, 'tcp.checksum.status == 0'),
      udp: await countFrames(file, 'udp.checksum.status == 0'),
      icmp: await countFrames(file, 'icmp.checksum.status == 0'),
    },
    expertErrors: await expertErrors(file),
    wscaleAbove14: await countFrames(file, 'tcp.options.wscale.shift > 14'),
    mssOutsideSyn: await countFrames(file, 'tcp.options.mss && tcp.flags.syn == 0'),
  };
}

describe.skipIf(!HAVE_SHARED || !HAVE_TSHARK || !HAVE_CLI)('NetDiffusion output repaired by the rulesets, judged by tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-nd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has no bad checksum, expert error, window scale > 14 or MSS outside SYN after repair', async () => {
    const out = join(dir, 'repaired.pcap');
    const run = await netsynth(['check', INPUT, '--rules', 'ipv4,tcp,udp,icmp,flow', '--strict', '--repair', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { packets: number; before: { total: number }; after: { total: number }; repair: { changes: number } };
    expect(report.packets).toBe(1024);
    expect(report.after.total).toBe(0);

    const before = await figures(INPUT);
    const after = await figures(out);
    console.log(
      `tshark on replayable_netflix_5.pcap, before → after repair:\n${JSON.stringify({ before, after, rulesetViolations: { before: report.before.total, after: report.after.total }, fieldChanges: report.repair.changes }, null, 2)}`,
    );

    // The known faults of the original (NetDiffusion never recomputes TCP checksums).
    expect(before.badChecksums.tcp).toBe(1024);
    expect(before.expertErrors).toBeGreaterThan(1024);
    expect(before.wscaleAbove14).toBeGreaterThan(0);
    expect(before.mssOutsideSyn).toBeGreaterThan(0);

    expect(after).toEqual({ badChecksums: { ip: 0, tcp: 0, udp: 0, icmp: 0 }, expertErrors: 0, wscaleAbove14: 0, mssOutsideSyn: 0 });
    expect(await countFrames(out, 'frame')).toBe(1024);
  });
});

describe.skipIf(!HAVE_SHARED || !HAVE_CLI)('netsynth check on real captures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing in a clean capture and exactly the deliberate anomalies of a SYN scan', async () => {
    const clean = await netsynth(['check', join(SHARED, 'lab', 'web.pcap'), '--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).before.total).toBe(0);
    const scan = await netsynth(['check', join(SHARED, 'packets', 'synscan.pcapng'), '--json']);
    const report = JSON.parse(scan.stdout) as { before: { byRuleset: Record<string, { byRule: Record<string, number> }> } };
    expect(report.before.byRuleset['tcp']?.byRule).toEqual({ 'tcp.ports': 4 });
  });

  it('writes the repaired capture atomically and will not replace it without --force', async () => {
    const out = join(dir, 'scan-repaired.pcap');
    const first = await netsynth(['check', join(SHARED, 'packets', 'synscan.pcapng'), '--rules', 'tcp', '--repair', out, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).after.total).toBe(0);
    const again = await netsynth(['check', join(SHARED, 'packets', 'synscan.pcapng'), '--rules', 'tcp', '--repair', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/OUTPUT_EXISTS|--force/);
    const forced = await netsynth(['check', join(SHARED, 'packets', 'synscan.pcapng'), '--rules', 'tcp', '--repair', out, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/after: 0 violation/);
  });

  it('rejects an unknown ruleset with a usage error', async () => {
    const r = await netsynth(['check', join(SHARED, 'lab', 'dns.pcap'), '--rules', 'ipv4,sctp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown ruleset "sctp"/);
  });
});
