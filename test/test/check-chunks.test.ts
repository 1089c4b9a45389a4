import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Packet } from '@netsynth/core';
import { ipDatagram, readCaptureAll, writePcap } from '@netsynth/pcap';
import { HAVE_CLI, HAVE_SHARED, SHARED, netsynth } from '../src/env.js';

/**
 * `check --repair` streams a capture in chunks of `--chunk-packets`. Where no flow straddles a
 * chunk boundary, chunking must not change anything: the same output bytes and the same
 * counts as one chunk. The input is two lab captures one after the other (DNS, then ICMP: no
 * flow in common), with the IPv4 header checksum of every 4th packet damaged, and the budget
 * is the first capture's packet count, so the boundary falls exactly between them.
 */
const ready = HAVE_SHARED && HAVE_CLI;
const dir = mkdtempSync(join(tmpdir(), 'netsynth-check-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function damaged(p: Packet, i: number): Packet {
  if (i % 4 !== 0) return p;
  const data = Uint8Array.from(p.data);
  const ip = ipDatagram({ ...p, data });
  if (!ip || ip.bytes.length < ip.offset + 12) return p;
  ip.bytes[ip.offset + 10] = (ip.bytes[ip.offset + 10] ?? 0) ^ 0x5a;
  return { ...p, data };
}

interface Report {
  packets: number;
  chunks: { count: number; packets: number };
  before: { total: number };
  after: unknown;
  repair: { packets: number; changes: number; changesByRule: Record<string, number>; unrepairable: unknown };
}

async function repair(input: string, out: string, extra: string[]): Promise<Report> {
  const r = await netsynth(['check', input, '--repair', out, '--json', ...extra]);
  expect(r.stderr).not.toMatch(/\[INTERNAL\]/);
  return JSON.parse(r.stdout) as Report;
}

describe.skipIf(!ready)('check --repair in chunks (needs ../shared data and a built CLI)', () => {
  it('gives the bytes and counts of one chunk when no flow straddles a boundary', async () => {
    const icmp = (await readCaptureAll(join(SHARED, 'lab', 'icmp.pcap'))).packets;
    const dns = (await readCaptureAll(join(SHARED, 'lab', 'dns.pcap'))).packets;
    const input = join(dir, 'dns-icmp.pcap');
    await writePcap(input, [...dns, ...icmp].map(damaged), { linkType: dns[0]?.linkType ?? 1, nanosecond: true });

    const whole = await repair(input, join(dir, 'whole.pcap'), []);
    const chunked = await repair(input, join(dir, 'chunked.pcap'), ['--chunk-packets', String(dns.length)]);

    expect(whole.chunks.count).toBe(1);
    expect(chunked.chunks).toEqual({ count: 2, packets: dns.length });
    expect(whole.before.total).toBeGreaterThan(0); // the damage is seen, and repaired
    expect(whole.repair.changes).toBeGreaterThan(0);
    expect(chunked.packets).toBe(whole.packets);
    expect(chunked.before).toEqual(whole.before);
    expect(chunked.after).toEqual(whole.after);
    expect(chunked.repair).toEqual({ ...whole.repair, out: join(dir, 'chunked.pcap') });
    expect(readFileSync(join(dir, 'chunked.pcap')).equals(readFileSync(join(dir, 'whole.pcap')))).toBe(true);
  }, 120_000);

  it('numbers examples by their index in the whole capture', async () => {
    const input = join(dir, 'dns-icmp.pcap');
    const small = await repair(input, join(dir, 'small.pcap'), ['--chunk-packets', '7', '--examples', '50']);
    const whole = await repair(input, join(dir, 'whole-2.pcap'), ['--examples', '50']);
    const indices = (r: Report): number[] =>
      ((r as unknown as { examples: { packetIndex: number }[] }).examples ?? []).map((v) => v.packetIndex).sort((a, b) => a - b);
    expect(small.chunks.count).toBe(Math.ceil(small.packets / 7));
    // Checksum damage is per packet: every chunking finds it on the same input packets.
    expect(indices(small)).toEqual(indices(whole));
    expect(indices(whole).length).toBeGreaterThan(0);
  }, 120_000);
});
