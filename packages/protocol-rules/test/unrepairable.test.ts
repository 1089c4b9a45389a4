/**
 * Repair degrades per packet (issue 20): a packet no ruleset can make valid is dropped or kept
 * as it was, listed with its input index and reason, and the rest of the sample is repaired.
 */
import { createRng, InvalidArgumentError, type Packet, type RepairChange } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { buildUdpPacket, PacketDraft, repairAll } from '../src/index.js';
import { toyTtlRuleset } from './toy-ttl.js';

const toy = toyTtlRuleset;

const withTtl = (ttl: number): Packet => buildUdpPacket({ ttl, payload: Uint8Array.of(ttl) });

describe('per-packet repair outcome', () => {
  const sample = [withTtl(10), withTtl(1), withTtl(2), withTtl(64), withTtl(20)];

  it('a ruleset lists the packets it cannot fix and returns them unchanged, without their partial edits', () => {
    const result = toy().repair(sample, createRng(1));
    expect(result.packets).toHaveLength(5);
    expect(result.packets[1]).toBe(sample[1]);
    expect(result.packets[2]).toBe(sample[2]);
    expect(result.unrepairable?.map((u) => [u.packetIndex, u.rule])).toEqual([
      [1, 'toy.ttl'],
      [2, 'toy.ttl'],
    ]);
    expect(result.unrepairable?.[0]?.reason).toMatch(/TTL 1/);
    expect(result.unrepairable?.[1]?.reason).toMatch(/repair failed: .*out of bounds/i);
    expect(new Set(result.changes.map((c: RepairChange) => c.packetIndex))).toEqual(new Set([0, 4]));
  });

  it('drop (the default) writes the rest, listing each dropped packet by input index and reason', () => {
    const result = repairAll([toy()], sample, createRng(1));
    expect(result.policy).toBe('drop');
    expect(result.packets).toHaveLength(3);
    expect(result.remaining.total).toBe(0);
    expect(result.unrepairable.map((u) => [u.index, u.ruleset, u.rule])).toEqual([
      [1, 'toy', 'toy.ttl'],
      [2, 'toy', 'toy.ttl'],
    ]);
    expect(result.packets[1]).toBe(sample[3]);
    expect(result.changes.every((c) => c.packetIndex === 0 || c.packetIndex === 4)).toBe(true);
  });

  it('keep writes every packet, the unrepairable ones byte for byte as in the input', () => {
    const result = repairAll([toy()], sample, createRng(1), { unrepairable: 'keep' });
    expect(result.packets).toHaveLength(5);
    expect(result.packets[1]).toBe(sample[1]);
    expect(result.packets[2]).toBe(sample[2]);
    expect(result.unrepairable.map((u) => u.index)).toEqual([1, 2]);
    expect(result.remaining.total).toBe(2);
  });
});

describe('PacketDraft bounds', () => {
  it('refuses a splice or write past the captured bytes with a typed error, leaving the packet as it was', () => {
    const p = buildUdpPacket({ payload: new Uint8Array(20) });
    const draft = new PacketDraft(p, 0, []);
    expect(() => draft.splice('r', 'frame.bytes', p.data.length + 10, 5, new Uint8Array(0), 'x')).toThrow(InvalidArgumentError);
    expect(() => draft.splice('r', 'frame.bytes', -1, 0, new Uint8Array(0), 'x')).toThrow(/offset -1/);
    expect(() => draft.writeBytes('r', 'x', p.data.length - 1, Uint8Array.of(1, 2), 'x')).toThrow(InvalidArgumentError);
    expect(draft.changed).toBe(false);
    draft.splice('r', 'frame.bytes', p.data.length - 4, 100, new Uint8Array(0), 'cut the tail');
    expect(draft.bytes.length).toBe(p.data.length - 4);
  });
});
