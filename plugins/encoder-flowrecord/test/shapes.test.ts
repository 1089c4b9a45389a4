import { describe, expect, it } from 'vitest';
import { LinkType, createRng, type LabelledSample, type Packet } from '@netsynth/core';
import { assembleFlows, dissect, recomputeChecksums, verifyChecksums } from '@netsynth/pcap';
import { createFlowRecordEncoder } from '../src/index.js';
import { recordToPackets } from '../src/packets.js';
import { learnShapes, shapeFor, splitByWeights } from '../src/shapes.js';
import { ipLength, type FlowRecord } from '../src/record.js';

/** A raw-IP UDP packet between 10.0.0.2:50000 (initiator) and 10.0.0.1:5000, checksums correct. */
function udp(t: bigint, up: boolean, size: number): Packet {
  const d = new Uint8Array(size);
  const v = new DataView(d.buffer);
  d[0] = 0x45;
  v.setUint16(2, size);
  d[8] = 64;
  d[9] = 17;
  d.set(up ? [10, 0, 0, 2, 10, 0, 0, 1] : [10, 0, 0, 1, 10, 0, 0, 2], 12);
  v.setUint16(20, up ? 50000 : 5000);
  v.setUint16(22, up ? 5000 : 50000);
  v.setUint16(24, size - 20);
  return recomputeChecksums({ timestampNs: t, capturedLength: size, originalLength: size, linkType: LinkType.RAW, data: d });
}

/** A flow of `label` from signed sizes (positive: initiator) and gaps in ms. */
function flow(label: string, sizes: number[], gapsMs: number[]): LabelledSample {
  let t = 1_700_000_000_000_000_000n;
  const packets = sizes.map((s, i) => {
    if (i > 0) t += BigInt(gapsMs[i - 1]! * 1_000_000);
    return udp(t, s > 0, Math.abs(s));
  });
  const [f] = assembleFlows(packets, { idleTimeoutSeconds: 600 });
  return { id: `${label}#0@0`, label, flow: f!, windowStart: 0 };
}

/** Class "a": a small request, then large responses at a steady pace. Class "b": equal sizes, one long pause in the middle. */
const A = flow('a', [60, -1400, -1400, -1400, -1400, -1400], [1, 1, 1, 1, 1]);
const B = flow('b', [300, -300, 300, -300, 300, -300], [1, 1, 100, 1, 1]);

const record = (over: Partial<FlowRecord>): FlowRecord => ({
  srcip: '10.0.0.2',
  dstip: '10.0.0.1',
  srcport: 50000,
  dstport: 5000,
  proto: 'udp',
  ts: 1_700_000_000,
  td: 1,
  pkt: 6,
  byt: 4000,
  upShare: 0.5,
  ...over,
});

describe('learned flow shapes', () => {
  it('are learned per class: relative sizes, gaps and directions of each class’s flows', () => {
    const bank = learnShapes([A, B]);
    expect(Object.keys(bank).sort()).toEqual(['a', 'b']);
    const a = bank.a![0]!;
    expect(a.dir).toEqual([0, 1, 1, 1, 1, 1]);
    expect(a.size[0]).toBeLessThan(0.1);
    expect(a.size[1]).toBeGreaterThan(1);
    const b = bank.b![0]!;
    expect(b.size.every((x) => x === 1)).toBe(true);
    expect(b.gap[3]).toBeGreaterThan(0.9);
  });

  it('decode follows the class’s shape scaled to the record’s totals, not an even split', () => {
    const bank = learnShapes([A, B]);
    const r = record({ byt: 4000, td: 2, upShare: 1 / 6 });
    const a = recordToPackets(r, { maxPackets: 100, mtu: 1500 }, shapeFor(bank, 'a', r.pkt, r.byt, r.td, r.upShare));
    const sizes = a.packets.map((p) => ipLength(p));
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(4000);
    expect(sizes[0]).toBeLessThan(sizes[1]!);
    expect(a.directions).toEqual([0, 1, 1, 1, 1, 1]);
    const b = recordToPackets(r, { maxPackets: 100, mtu: 1500 }, shapeFor(bank, 'b', r.pkt, r.byt, r.td, r.upShare));
    const t = b.packets.map((p) => Number(p.timestampNs - b.packets[0]!.timestampNs) / 1e9);
    // The long pause of class b sits between the third and fourth packet and most of the 2 s go there.
    expect(t[3]! - t[2]!).toBeGreaterThan(1.8);
    expect(t[5]).toBeCloseTo(2, 6);
  });

  it('the encoder learns shapes in fit, keeps them in its state, and decode uses them', async () => {
    const enc = createFlowRecordEncoder({ addresses: false });
    await Promise.resolve(enc.fit([A, B]));
    const again = createFlowRecordEncoder({ addresses: false });
    again.loadState(JSON.parse(JSON.stringify(enc.state())));
    const got = again.decode(enc.encode(A), 'a').packets.map((p) => ipLength(p));
    expect(got[0]).toBeLessThan(200);
    expect(got.slice(1).every((s) => s > 1000)).toBe(true);
    const even = createFlowRecordEncoder({ addresses: false, decode: { split: 'even' } });
    await Promise.resolve(even.fit([A, B]));
    const flat = even.decode(even.encode(A), 'a').packets.map((p) => ipLength(p));
    expect(Math.max(...flat) - Math.min(...flat)).toBeLessThanOrEqual(1);
  });

  it('property: any record and any learned shape decode to valid packets with the record’s totals (within limits)', () => {
    const rng = createRng(14);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + rng.int(40);
      const sizes = Array.from({ length: n }, (_, i) => (i === 0 || rng.next() < 0.5 ? 1 : -1) * (28 + rng.int(1473)));
      const gaps = Array.from({ length: n - 1 }, () => rng.int(50));
      const bank = learnShapes([flow('c', sizes, gaps)]);
      const pkt = 1 + rng.int(80);
      const byt = rng.int(pkt * 1600);
      const r = record({ pkt, byt, td: rng.next() * 10, upShare: rng.next() });
      const { packets, directions } = recordToPackets(r, { maxPackets: 64, mtu: 1500 }, shapeFor(bank, 'c', r.pkt, r.byt, r.td, r.upShare));
      const kept = Math.min(64, pkt);
      expect(packets).toHaveLength(kept);
      expect(directions[0]).toBe(0);
      const lengths = packets.map((p) => ipLength(p));
      expect(lengths.every((l) => l >= 28 && l <= 1500)).toBe(true);
      expect(lengths.reduce((x, y) => x + y, 0)).toBe(Math.min(kept * 1500, Math.max(kept * 28, byt)));
      for (let i = 1; i < packets.length; i++) expect(packets[i]!.timestampNs >= packets[i - 1]!.timestampNs).toBe(true);
      for (const p of packets) {
        expect(dissect(p).problems).toEqual([]);
        const verdict = verifyChecksums(p);
        expect(verdict.ipv4).toBe(true);
        expect(verdict.transport).not.toBe(false);
      }
    }
  });

  it('splitByWeights keeps the total and the limits even with extreme weights', () => {
    expect(splitByWeights(1000, [0, 0, 0, 0], 40, 1500)).toEqual([250, 250, 250, 250]);
    const s = splitByWeights(3000, [100, 0.001, 0.001], 40, 1500);
    expect(s.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(s.every((x) => x >= 40 && x <= 1500)).toBe(true);
  });
});
