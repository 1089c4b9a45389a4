import { describe, expect, it } from 'vitest';
import type { LabelledSample } from '@netsynth/core';
import { splitHoldout } from '../src/index.js';
import { flowOfPackets } from '../src/index.js';
import { tcpConversation } from './helpers.js';

const flow = flowOfPackets(tcpConversation(0, 40000, 0n, 1));
const samples = (label: string, n: number): LabelledSample[] => Array.from({ length: n }, (_, i) => ({ id: `${label}${i}`, label, flow, windowStart: 0 }));

describe('holdout split', () => {
  it('holds back the share of each label, seeded, keeping order and at least one training sample', () => {
    const all = [...samples('a', 10), ...samples('b', 3), ...samples('c', 1)];
    const s1 = splitHoldout(all, 0.2, 5);
    expect(s1.holdout.filter((s) => s.label === 'a')).toHaveLength(2);
    expect(s1.holdout.filter((s) => s.label === 'b')).toHaveLength(1);
    expect(s1.holdout.filter((s) => s.label === 'c')).toHaveLength(0);
    expect(s1.train.length + s1.holdout.length).toBe(all.length);
    expect(splitHoldout(all, 0.2, 5)).toEqual(s1);
    const others = [1, 2, 3, 4, 6, 7].map((seed) => splitHoldout(all, 0.2, seed).holdout.map((s) => s.id).join());
    expect(new Set(others).size).toBeGreaterThan(1);
    expect(splitHoldout(samples('a', 2), 0.9, 1).train).toHaveLength(1);
    expect(splitHoldout(all, 0, 1).holdout).toEqual([]);
  });

  it('flowOfPackets keys a flow by its first packet and marks directions', () => {
    expect(flow.key).toMatchObject({ protocol: 6, a: { address: '10.0.0.2', port: 40000 }, b: { address: '10.0.0.1', port: 80 } });
    expect(flow.directions.slice(0, 3)).toEqual([0, 1, 0]);
  });
});
