/**
 * Bounded memory on long flows: FlowAssembler `pieces` gives out the whole windows of long
 * open flows when the open flows hold too many packets, and loadSamples' windows are the
 * same whether they leave early or when their flow ends.
 */
import { describe, expect, it } from 'vitest';
import type { Flow, LabelledSample } from '@netsynth/core';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { FlowAssembler, loadSamples, readCaptureAll, type InputConfig } from '../src/index.js';

const HAVE_LAB = haveShared('the flow piece tests on lab captures', 'lab');

function input(windowPackets: number, maxSamplesPerLabel = 0): InputConfig {
  return {
    captures: ['web.pcap', 'tls.pcap'],
    records: [],
    recordColumns: {},
    labels: { from: 'filename' },
    flows: { idleTimeoutSeconds: 60, windowPackets, minPackets: 3, maxSamplesPerLabel },
    holdout: 0,
  };
}

const digest = (samples: LabelledSample[]): string[] =>
  samples.map((s) => `${s.id} ${s.label} ${s.flow.id} ${s.flow.packets.length} ${s.flow.packets.map((p) => p.timestampNs).join(',')}`);

describe.skipIf(!HAVE_LAB)('flow pieces (lab captures)', () => {
  it('pieces of a flow are its packets in order, each a whole multiple of the piece size but the last', async () => {
    const { packets } = await readCaptureAll(sharedPath('lab', 'web.pcap'));
    const assembler = new FlowAssembler({ idleTimeoutSeconds: 60, pieces: { heldPackets: 100, piecePackets: 16 } });
    const got: Flow[] = [];
    for (const p of packets) got.push(...assembler.add(p));
    got.push(...assembler.flush());
    const byIndex = new Map<number, { start: number; flow: Flow }[]>();
    for (const f of got) byIndex.set(assembler.indexOf(f), [...(byIndex.get(assembler.indexOf(f)) ?? []), { start: assembler.startOf(f), flow: f }]);
    const whole = new FlowAssembler({ idleTimeoutSeconds: 60 });
    const flows: Flow[] = [];
    for (const p of packets) flows.push(...whole.add(p));
    flows.push(...whole.flush());
    expect(byIndex.size).toBe(flows.length);
    expect([...byIndex.values()].some((pieces) => pieces.length > 1)).toBe(true); // pieces were cut
    for (const f of flows) {
      const pieces = (byIndex.get(whole.indexOf(f)) ?? []).sort((a, b) => a.start - b.start);
      expect(pieces.flatMap((x) => x.flow.packets)).toEqual(f.packets);
      expect(pieces.flatMap((x) => x.flow.directions)).toEqual(f.directions);
      for (const [i, x] of pieces.entries()) {
        expect(x.start).toBe(pieces.slice(0, i).reduce((n, y) => n + y.flow.packets.length, 0));
        if (i < pieces.length - 1) expect(x.flow.packets.length % 16).toBe(0);
      }
    }
  });

  it('loadSamples gives the same windows with a tiny open-packet budget as with the default', async () => {
    const dir = sharedPath('lab');
    const early = await loadSamples(input(32), dir, { seed: 1, maxOpenPackets: 50 });
    const late = await loadSamples(input(32), dir, { seed: 1 });
    expect(early.length).toBeGreaterThan(100);
    expect(digest(early)).toEqual(digest(late));
  });

  it('with maxSamplesPerLabel, a tiny budget still keeps that many per label, the same for the same seed', async () => {
    const dir = sharedPath('lab');
    const run = async (seed: number): Promise<string[]> => digest(await loadSamples(input(32, 5), dir, { seed, maxOpenPackets: 50 }));
    const a = await run(1);
    expect(a).toHaveLength(10);
    expect(await run(1)).toEqual(a);
  });
});
