import { describe, expect, it } from 'vitest';
import { TsharkComparison, haveShared, sharedCaptureCases, tsharkFields, type PacketFields } from '@netsynth/test-support';
import { CLI, HAVE_CLI, HAVE_TSHARK, netsynth } from '../src/env.js';

/**
 * `netsynth inspect --json --packets` against tshark, field by field (the fields and the
 * comparison are @netsynth/test-support's), on every capture under ../shared/data/lab and
 * ../shared/data/packets that tshark reads.
 */

/** An inspect record: the compared fields (the record has more) plus its frame and link type. */
interface PacketRecord extends PacketFields {
  frame: number;
  linkType: number;
}

/** Link types netsynth dissects; records of others are counted but have no fields to compare. */
const DISSECTED = new Set([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);

const HAVE_SHARED = haveShared('inspect-vs-tshark');
if (HAVE_SHARED && !HAVE_TSHARK) console.warn('skipping inspect-vs-tshark: tshark not on PATH');
else if (HAVE_SHARED && !HAVE_CLI) console.warn(`skipping inspect-vs-tshark: ${CLI} not built (pnpm build)`);

describe.skipIf(!HAVE_SHARED || !HAVE_TSHARK || !HAVE_CLI)('netsynth inspect --json --packets agrees with tshark', () => {
  it.each(sharedCaptureCases())('%s', async (_name, file) => {
    const [tshark, run] = await Promise.all([tsharkFields(file), netsynth(['inspect', file, '--json', '--packets'])]);
    if (!tshark) return; // tshark cannot read it: out of scope
    const { rows } = tshark;
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { packets: number; packetRecords: PacketRecord[] };
    expect(report.packets, 'packet count').toBe(rows.length);
    expect(report.packetRecords).toHaveLength(rows.length);
    const comparison = new TsharkComparison('netsynth');
    report.packetRecords.forEach((p, i) => {
      if (DISSECTED.has(p.linkType)) comparison.add(p.frame, rows[i]!, p);
    });
    expect(comparison.mismatches).toEqual([]);
    if (report.packetRecords.some((p) => DISSECTED.has(p.linkType))) expect(comparison.compared).toBeGreaterThan(0);
  });
});
