import { describe, expect, it } from 'vitest';
import { createRng, type Flow } from '@netsynth/core';
import { Reservoir, compactFlow } from '../src/flows/reservoir.js';

describe('Reservoir', () => {
  it('keeps everything up to max, then max items, the same ones for the same seed', () => {
    const run = (seed: number): number[] => {
      const r = new Reservoir<number>(10, createRng(seed));
      for (let i = 0; i < 1000; i++) r.offer(i);
      return r.items;
    };
    const small = new Reservoir<number>(10, createRng(1));
    for (let i = 0; i < 7; i++) small.offer(i);
    expect(small.items).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run(3)).toHaveLength(10);
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('max 0 keeps every item', () => {
    const r = new Reservoir<number>(0, createRng(1));
    for (let i = 0; i < 100; i++) r.offer(i);
    expect(r.items).toHaveLength(100);
  });

  it('is uniform: each position is kept about max/n of the time', () => {
    const n = 50;
    const max = 5;
    const kept = new Array<number>(n).fill(0);
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const r = new Reservoir<number>(max, createRng(t));
      for (let i = 0; i < n; i++) r.offer(i);
      for (const i of r.items) kept[i] = (kept[i] ?? 0) + 1;
    }
    const expected = (trials * max) / n; // 400; binomial sd ≈ 19
    for (const k of kept) expect(Math.abs(k - expected)).toBeLessThan(90);
  });

  it('prepares only the items it keeps', () => {
    const r = new Reservoir<{ v: number; prepared?: boolean }>(2, createRng(9));
    let prepared = 0;
    for (let i = 0; i < 100; i++) r.offer({ v: i }, (x) => (prepared++, { ...x, prepared: true }));
    expect(r.items.every((x) => x.prepared)).toBe(true);
    expect(prepared).toBeLessThan(40);
  });
});

describe('compactFlow', () => {
  it('copies the packets into one buffer of their own, bytes unchanged', () => {
    const slab = new Uint8Array(1000).map((_, i) => i & 0xff);
    const flow: Flow = {
      key: { protocol: 6, a: { address: '1.1.1.1', port: 1 }, b: { address: '2.2.2.2', port: 2 } },
      id: 'x',
      packets: [10, 300, 600].map((o, i) => ({
        timestampNs: BigInt(i),
        capturedLength: 20,
        originalLength: 60,
        linkType: 101,
        data: slab.subarray(o, o + 20),
      })),
      directions: [0, 1, 0],
    };
    const c = compactFlow(flow);
    expect(c.packets.map((p) => Array.from(p.data))).toEqual(flow.packets.map((p) => Array.from(p.data)));
    expect(new Set(c.packets.map((p) => p.data.buffer)).size).toBe(1);
    expect(c.packets[0]?.data.buffer.byteLength).toBe(60);
    expect(c.directions).toEqual([0, 1, 0]);
    expect(c.packets[2]?.originalLength).toBe(60);
  });
});
