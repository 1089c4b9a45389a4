/**
 * checkStream: the chain over a capture cut into chunks of a packet budget. A capture within
 * one chunk gives what checkAll/repairAll give on the whole list; with several chunks, indices
 * are the packets' indices in the whole input and counts are sums.
 */
import { createRng, InterruptedError, type Constraint, type Packet } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { buildUdpPacket, checkAll, checkStream, countByRule, packetChunks, repairAll } from '../src/index.js';
import { toyTtlRuleset } from './toy-ttl.js';

const toy = toyTtlRuleset;
const withTtl = (ttl: number, i: number): Packet => buildUdpPacket({ ttl, payload: Uint8Array.of(i & 0xff) });
const TTLS = [10, 64, 1, 64, 20, 64, 64, 1, 30];
const capture = (): Packet[] => TTLS.map(withTtl);

async function* batchesOf(packets: readonly Packet[], size: number): AsyncGenerator<Packet[]> {
  for (let i = 0; i < packets.length; i += size) yield packets.slice(i, i + size);
}

async function streamed(budget: number, packets = capture()): Promise<{ out: Packet[]; summary: Awaited<ReturnType<typeof checkStream>> }> {
  const out: Packet[] = [];
  const write = async (p: readonly Packet[]): Promise<void> => void out.push(...p);
  const summary = await checkStream([toy()], batchesOf(packets, 2), { chunkPackets: budget, examples: 10, repair: { rng: createRng(3), write } });
  return { out, summary };
}

describe('packetChunks', () => {
  it('re-cuts batches into chunks of the budget, the last shorter, and gives one empty chunk for no input', async () => {
    const sizes = async (n: number, budget: number): Promise<number[]> => {
      const out: number[] = [];
      for await (const c of packetChunks(batchesOf(capture().slice(0, n), 4), budget)) out.push(c.length);
      return out;
    };
    expect(await sizes(9, 4)).toEqual([4, 4, 1]);
    expect(await sizes(8, 4)).toEqual([4, 4]);
    expect(await sizes(0, 4)).toEqual([0]);
  });
});

describe('checkStream', () => {
  it('one chunk gives exactly what checkAll and repairAll give on the whole list', async () => {
    const { out, summary } = await streamed(1000);
    const whole = repairAll([toy()], capture(), createRng(3));
    const before = checkAll([toy()], capture());
    expect(summary.chunks).toBe(1);
    expect(out.map((p) => [...p.data])).toEqual(whole.packets.map((p) => [...p.data]));
    expect(summary.before).toEqual({ total: before.total, byRuleset: { toy: { total: before.total, byRule: countByRule(before.byRuleset['toy'] ?? []) } } });
    expect(summary.examples).toEqual(before.byRuleset['toy']);
    expect(summary.repair?.unrepairable).toEqual(whole.unrepairable);
    expect(summary.repair?.changes).toBe(whole.changes.length);
  });

  it('several chunks: same packets written, counts summed, indices in the whole input', async () => {
    const one = await streamed(1000);
    const many = await streamed(2);
    expect(many.summary.chunks).toBe(5);
    expect(many.out.map((p) => [...p.data])).toEqual(one.out.map((p) => [...p.data]));
    expect(many.summary.before).toEqual(one.summary.before);
    expect(many.summary.examples.map((v) => v.packetIndex)).toEqual([0, 2, 4, 7, 8]);
    expect(many.summary.repair?.unrepairable.map((u) => u.index)).toEqual([2, 7]);
    expect(many.summary.repair?.packets).toBe(TTLS.length - 2);
    expect(many.summary.repair?.after.total).toBe(0);
  });

  it('stops between chunks when the signal is aborted', async () => {
    const controller = new AbortController();
    const write = async (): Promise<void> => controller.abort();
    const run = checkStream([toy()], batchesOf(capture(), 2), { chunkPackets: 2, repair: { rng: createRng(1), write }, signal: controller.signal });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
  });

  it('stops inside a chunk, between two ruleset passes, when the signal is aborted during one', async () => {
    // Ctrl-C arrives while the first ruleset repairs the only chunk: the second ruleset never
    // runs on it and nothing is written (before, the whole chunk was finished and written).
    const controller = new AbortController();
    const passes: string[] = [];
    const spy = (name: string, abortOnRepair: boolean): Constraint => {
      const inner = toy();
      return {
        name,
        scope: inner.scope,
        check: (p) => (passes.push(`${name}.check`), inner.check(p)),
        repair: (p, rng) => {
          passes.push(`${name}.repair`);
          if (abortOnRepair) controller.abort();
          return inner.repair(p, rng);
        },
      };
    };
    const written: Packet[] = [];
    const write = async (p: readonly Packet[]): Promise<void> => void written.push(...p);
    const run = checkStream([spy('first', true), spy('second', false)], batchesOf(capture(), 2), {
      repair: { rng: createRng(1), write },
      signal: controller.signal,
    });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(passes).toEqual(['first.check', 'second.check', 'first.check', 'second.check', 'first.repair']);
    expect(written).toEqual([]);
  });
});
