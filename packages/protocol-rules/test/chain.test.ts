import { createRng, type Constraint, type Packet, type RepairResult, type Violation } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { buildUdpPacket, countByRule, repairAll, sortRulesets } from '../src/index.js';

/** A toy ruleset: every packet must be shorter than `max` bytes; repair cuts the data. */
function maxLength(name: string, max: number): Constraint {
  return {
    name,
    scope: 'packet',
    check: (packets: readonly Packet[]): Violation[] =>
      packets.flatMap((p, i) => (p.data.length > max ? [{ rule: `${name}.length`, field: 'frame', packetIndex: i, message: 'too long' }] : [])),
    repair: (packets: readonly Packet[]): RepairResult => ({
      packets: packets.map((p) => (p.data.length > max ? { ...p, data: p.data.slice(0, max), capturedLength: max } : p)),
      changes: packets.flatMap((p, i) =>
        p.data.length > max ? [{ rule: `${name}.length`, field: 'frame', packetIndex: i, before: p.data.length, after: max, reason: 'cut' }] : [],
      ),
    }),
  };
}

describe('ruleset chain', () => {
  it('orders rulesets ipv4, tcp, udp, icmp, flow', () => {
    expect(sortRulesets([{ name: 'flow' }, { name: 'udp' }, { name: 'ipv4' }, { name: 'x' }, { name: 'tcp' }]).map((r) => r.name)).toEqual([
      'ipv4',
      'tcp',
      'udp',
      'flow',
      'x',
    ]);
  });

  it('repeats rounds until every ruleset passes and tags each change', () => {
    const packets = [buildUdpPacket({ payload: new Uint8Array(50) }), buildUdpPacket()];
    const result = repairAll([maxLength('a', 40), maxLength('b', 30)], packets, createRng(1));
    expect(result.remaining.total).toBe(0);
    expect(result.rounds).toBe(1);
    expect(result.packets[0]?.data.length).toBe(30);
    expect(result.changes.map((c) => `${c.ruleset}:${c.packetIndex}`)).toEqual(['a:0', 'b:0']);
    expect(countByRule(maxLength('a', 10).check(packets))).toEqual({ 'a.length': 2 });
  });
});
