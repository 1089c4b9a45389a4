/**
 * Random TCP conversations — random flags, sequence and acknowledgement numbers, windows,
 * option bytes, payload sizes, directions and no timestamps — repaired by all five rulesets in
 * order: one pass always yields packets every ruleset accepts. (Run with far more cases while
 * developing; this bounded run keeps the suite fast.)
 */
import { createRng, type Packet } from '@netsynth/core';
import { buildTcpPacket, countByRule, repairAll } from '@netsynth/protocol-rules';
import { createIcmpRuleset } from '@netsynth/ruleset-icmp';
import { createIpv4Ruleset } from '@netsynth/ruleset-ipv4';
import { createTcpRuleset } from '@netsynth/ruleset-tcp';
import { createUdpRuleset } from '@netsynth/ruleset-udp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFlowRuleset } from '../src/index.js';

const segment = fc.record({
  options: fc.uint8Array({ minLength: 0, maxLength: 40 }),
  fromClient: fc.boolean(),
  flags: fc.nat(511),
  seq: fc.nat(),
  ack: fc.nat(),
  len: fc.nat(60),
  window: fc.nat(65535),
});

describe.each(['tolerate', 'reject'] as const)('random TCP conversations (captureLoss: %s)', (captureLoss) => {
  it('repair in one pass to packets every ruleset accepts', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 40 }), fc.nat(), (segments, seed) => {
        const sample: Packet[] = segments.map((s, i) =>
          buildTcpPacket({
            src: s.fromClient ? '10.0.0.1' : '10.0.0.2',
            dst: s.fromClient ? '10.0.0.2' : '10.0.0.1',
            srcPort: s.fromClient ? 41000 : 443,
            dstPort: s.fromClient ? 443 : 41000,
            flags: s.flags,
            // A third of the segments roughly in order, the rest anywhere in sequence space.
            seq: s.seq % 3 === 0 ? 1000 + i * 10 : s.seq,
            ack: s.ack,
            window: s.window,
            payload: new Uint8Array(s.len),
            options: s.options.subarray(0, s.options.length - (s.options.length % 4)),
            timestampNs: BigInt(i),
          }),
        );
        const rulesets = [createIpv4Ruleset(), createTcpRuleset(), createUdpRuleset(), createIcmpRuleset(), createFlowRuleset({ captureLoss })];
        const result = repairAll(rulesets, sample, createRng(seed));
        expect(countByRule(Object.values(result.remaining.byRuleset).flat())).toEqual({});
        expect(result.rounds).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150, seed: 2024 },
    );
  });
});
