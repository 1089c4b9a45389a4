/**
 * FlowAssembler `ownBytesEvery`: packets held by open flows are copied into buffers of their
 * flow's own, so a long flow no longer pins the reader's shared slabs; the flows are the same.
 */
import { describe, expect, it } from 'vitest';
import type { Flow, Packet } from '@netsynth/core';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { FlowAssembler, readCaptureAll } from '../src/index.js';

const HAVE_LAB = haveShared('the own-bytes tests on lab captures', 'lab');

function assemble(packets: readonly Packet[], ownBytesEvery?: number): { flows: Flow[]; assembler: FlowAssembler } {
  const assembler = new FlowAssembler({ idleTimeoutSeconds: 60, ...(ownBytesEvery !== undefined && { ownBytesEvery }) });
  const flows: Flow[] = [];
  for (const p of packets) flows.push(...assembler.add(p));
  flows.push(...assembler.flush());
  return { flows, assembler };
}

describe.skipIf(!HAVE_LAB)('FlowAssembler ownBytesEvery (lab capture)', () => {
  it('gives the same flows, and a long flow holds no packet in a buffer shared with other flows', async () => {
    const { packets } = await readCaptureAll(sharedPath('lab', 'download.pcap'));
    const plain = assemble(packets).flows;
    const owned = assemble(packets, 64 * 1024).flows;
    expect(owned.map((f) => f.id)).toEqual(plain.map((f) => f.id));
    for (const [i, f] of owned.entries()) {
      const p = plain[i]!;
      expect(f.directions).toEqual(p.directions);
      expect(f.packets.map((x) => [x.timestampNs, x.originalLength, Buffer.from(x.data).toString('hex')])).toEqual(
        p.packets.map((x) => [x.timestampNs, x.originalLength, Buffer.from(x.data).toString('hex')]),
      );
    }
    // Which flows each buffer's packets belong to: a copied packet's buffer is its flow's alone.
    const flowsOf = (flows: Flow[]): Map<ArrayBufferLike, Set<number>> => {
      const m = new Map<ArrayBufferLike, Set<number>>();
      flows.forEach((f, i) => f.packets.forEach((x) => m.set(x.data.buffer, (m.get(x.data.buffer) ?? new Set()).add(i))));
      return m;
    };
    const longest = owned.reduce((best, f, i) => (f.packets.length > owned[best]!.packets.length ? i : best), 0);
    const bufferFlows = flowsOf(owned);
    const early = owned[longest]!.packets.slice(0, owned[longest]!.packets.length / 2);
    expect(early.length).toBeGreaterThan(100);
    for (const x of early) expect([...bufferFlows.get(x.data.buffer)!]).toEqual([longest]);
    // Without it the reader's slabs are shared between flows (what the copy is for).
    expect([...flowsOf(plain).values()].some((s) => s.size > 1)).toBe(true);
  });
});
