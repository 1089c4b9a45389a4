import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandRuns } from '@netsynth/test-support';
import { HAVE_CLI, HAVE_SHARED, SHARED, exec, netsynth } from '../src/env.js';

/**
 * Issue 20 item 5, end to end: a lab capture cut with `editcap -s 40` (Ethernet + IPv4 + 6 bytes
 * of TCP, headers-only as CAIDA's traces). inspect and encode count the cut packets, encode
 * keeps every flow, and check / check --repair neither report nor "repair" the headers that
 * simply were not captured: the repaired capture holds every packet unchanged.
 */
const HAVE_EDITCAP = commandRuns('editcap', ['-h']);
const dir = mkdtempSync(join(tmpdir(), 'netsynth-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!(HAVE_SHARED && HAVE_CLI && HAVE_EDITCAP))('a headers-only capture (editcap -s 40)', () => {
  it('is counted, encoded whole and left alone by check --repair', async () => {
    const cut = join(dir, 'web-s40.pcap');
    expect((await exec('editcap', ['-F', 'pcap', '-s', '40', join(SHARED, 'lab', 'web.pcap'), cut])).code).toBe(0);
    const full = JSON.parse((await netsynth(['inspect', join(SHARED, 'lab', 'web.pcap'), '--json'])).stdout);
    const inspect = JSON.parse((await netsynth(['inspect', cut, '--json'])).stdout);
    expect(inspect.packets).toBe(full.packets);
    expect(inspect.truncated).toEqual({ packets: full.packets, headers: full.packets });
    expect(full.truncated).toEqual({ packets: 0, headers: 0 });

    const enc = await netsynth(['encode', cut, '-e', 'nprint', '-o', join(dir, 'enc'), '--no-images', '--json', '--quiet']);
    expect(enc.code, enc.stderr).toBe(0);
    const summary = JSON.parse(enc.stdout);
    expect(summary.samples).toBe(full.flows);
    expect(summary.truncated).toEqual(inspect.truncated);

    const repaired = join(dir, 'repaired.pcap');
    const check = await netsynth(['check', cut, '--repair', repaired, '--json']);
    expect(check.stderr).not.toMatch(/INTERNAL/);
    expect(JSON.parse(check.stdout).before.total).toBe(0);
    const back = JSON.parse((await netsynth(['inspect', repaired, '--json', '--packets'])).stdout);
    const before = JSON.parse((await netsynth(['inspect', cut, '--json', '--packets'])).stdout);
    expect(back.packetRecords).toEqual(before.packetRecords);
  });
});
