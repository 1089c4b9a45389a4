import { describe, expect, it } from 'vitest';
import { parseRunConfig, type LabelledSample } from '@netsynth/core';
import { flowOfSampleId, loadSamples } from '@netsynth/pcap';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { findCaptures, flowOfPackets, parseYamlConfig, splitHoldout, starterConfig } from '../src/index.js';
import { tcpConversation } from './helpers.js';

const flow = flowOfPackets(tcpConversation(0, 40000, 0n, 1));
const samples = (label: string, n: number): LabelledSample[] => Array.from({ length: n }, (_, i) => ({ id: `${label}${i}`, label, flow, windowStart: 0 }));

/** `flows` flows of a label, flow f starting at second f, each cut into `windows(f)` windows. */
function windowed(label: string, flows: number, windows: (f: number) => number): LabelledSample[] {
  const out: LabelledSample[] = [];
  for (let f = 0; f < flows; f++) {
    for (let w = 0; w < windows(f); w++) {
      const packets = tcpConversation(0, 40000 + f, BigInt(f) * 1_000_000_000n + BigInt(w) * 1000n, 1);
      out.push({ id: `${label}.pcap#${f}@${w * 64}`, label, flow: flowOfPackets(packets), windowStart: w * 64 });
    }
  }
  return out;
}

/** Flows (FILE#FLOW) that have samples on both sides. */
function sharedFlows(split: { train: LabelledSample[]; holdout: LabelledSample[] }): string[] {
  const trainFlows = new Set(split.train.map((s) => flowOfSampleId(s.id)));
  return [...new Set(split.holdout.map((s) => flowOfSampleId(s.id)))].filter((f) => trainFlows.has(f));
}

describe('holdout split', () => {
  it('window: holds back the share of each label, seeded, keeping order and at least one training sample', () => {
    const all = [...samples('a', 10), ...samples('b', 3), ...samples('c', 1)];
    const s1 = splitHoldout(all, 0.2, 5, 'window');
    expect(s1.holdout.filter((s) => s.label === 'a')).toHaveLength(2);
    expect(s1.holdout.filter((s) => s.label === 'b')).toHaveLength(1);
    expect(s1.holdout.filter((s) => s.label === 'c')).toHaveLength(0);
    expect(s1.train.length + s1.holdout.length).toBe(all.length);
    expect(splitHoldout(all, 0.2, 5, 'window')).toEqual(s1);
    const others = [1, 2, 3, 4, 6, 7].map((seed) =>
      splitHoldout(all, 0.2, seed, 'window')
        .holdout.map((s) => s.id)
        .join(),
    );
    expect(new Set(others).size).toBeGreaterThan(1);
    expect(splitHoldout(samples('a', 2), 0.9, 1, 'window').train).toHaveLength(1);
    expect(splitHoldout(all, 0, 1, 'window').holdout).toEqual([]);
  });

  it('window lets a flow straddle the split; flow (the default) never does, and keeps about the share', () => {
    const all = [...windowed('a', 12, (f) => 1 + (f % 4)), ...windowed('b', 6, () => 3)];
    expect([1, 2, 3].some((seed) => sharedFlows(splitHoldout(all, 0.3, seed, 'window')).length > 0)).toBe(true);
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = splitHoldout(all, 0.3, seed);
      expect(sharedFlows(s)).toEqual([]);
      expect(splitHoldout(all, 0.3, seed, 'flow')).toEqual(s);
      for (const label of ['a', 'b']) {
        const n = all.filter((x) => x.label === label).length;
        const held = s.holdout.filter((x) => x.label === label).length;
        expect(held).toBeGreaterThan(0);
        expect(Math.abs(held - 0.3 * n)).toBeLessThanOrEqual(2);
      }
    }
    const seeds = [1, 2, 3, 4, 5].map((seed) =>
      splitHoldout(all, 0.3, seed)
        .holdout.map((x) => x.id)
        .join(),
    );
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('time: holds back the flows that start last in each label, whatever the seed', () => {
    const all = [...windowed('a', 10, () => 2), ...windowed('b', 5, (f) => (f === 4 ? 1 : 2))];
    const s = splitHoldout(all, 0.2, 1, 'time');
    expect(sharedFlows(s)).toEqual([]);
    expect(s.holdout.map((x) => x.id)).toEqual(['a.pcap#8@0', 'a.pcap#8@64', 'a.pcap#9@0', 'a.pcap#9@64', 'b.pcap#4@0', 'b.pcap#3@0', 'b.pcap#3@64'].sort());
    expect(splitHoldout(all, 0.2, 99, 'time')).toEqual(s);
  });

  it('a label with one flow keeps it for training', () => {
    const s = splitHoldout(
      windowed('a', 1, () => 5),
      0.5,
      1,
    );
    expect(s.holdout).toEqual([]);
  });

  it('flowOfPackets keys a flow by its first packet and marks directions', () => {
    expect(flow.key).toMatchObject({ protocol: 6, a: { address: '10.0.0.2', port: 40000 }, b: { address: '10.0.0.1', port: 80 } });
    expect(flow.directions.slice(0, 3)).toEqual([0, 1, 0]);
  });
});

const HAVE_LAB = haveShared('the split acceptance on the lab captures', 'lab');

describe.skipIf(!HAVE_LAB)('split on ../shared/data/lab with the `netsynth init` config', () => {
  const lab = sharedPath('lab');
  const input = async () => {
    const text = starterConfig(findCaptures(lab), []).text;
    const config = parseRunConfig(parseYamlConfig(text, 'netsynth.yaml').raw, 'netsynth.yaml');
    expect(config.input.split).toBe('flow');
    return { config, all: await loadSamples(config.input, lab, { seed: 0 }) };
  };

  it('flow: no flow has samples on both sides; time: each label holds back its last flows', async () => {
    const { config, all } = await input();
    const flowSplit = splitHoldout(all, config.input.holdout, 1, config.input.split);
    expect(flowSplit.holdout.length).toBeGreaterThan(0);
    expect(sharedFlows(flowSplit)).toEqual([]);
    const time = splitHoldout(all, config.input.holdout, 1, 'time');
    expect(sharedFlows(time)).toEqual([]);
    const start = (s: LabelledSample): bigint => s.flow.packets.reduce((m, p) => (p.timestampNs < m ? p.timestampNs : m), s.flow.packets[0]?.timestampNs ?? 0n);
    for (const label of new Set(all.map((s) => s.label))) {
      const held = time.holdout.filter((s) => s.label === label);
      const kept = time.train.filter((s) => s.label === label);
      if (held.length === 0) continue;
      // Every held-back flow starts no earlier than every training flow of its label.
      const firstHeld = held.reduce((m, s) => (start(s) < m ? start(s) : m), start(held[0] as LabelledSample));
      const flowStart = new Map<string, bigint>();
      for (const s of kept) {
        const f = flowOfSampleId(s.id);
        const t = start(s);
        if (!flowStart.has(f) || t < (flowStart.get(f) as bigint)) flowStart.set(f, t);
      }
      for (const t of flowStart.values()) expect(t).toBeLessThanOrEqual(firstHeld);
    }
  });
});
