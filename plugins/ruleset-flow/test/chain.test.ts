/**
 * All five rulesets together, as the runner and `netsynth check` use them (ipv4 → tcp → udp →
 * icmp → flow): random damage to real packets is detected, and repair always returns packets
 * that pass every ruleset's check.
 */
import { createRng, LinkType, type Constraint, type Packet } from '@netsynth/core';
import { readCaptureAll } from '@netsynth/pcap';
import { checkAll, countByRule, ipv4HeaderVerdict, repairAll, transportVerdict, viewOf } from '@netsynth/protocol-rules';
import { createIcmpRuleset } from '@netsynth/ruleset-icmp';
import { createIpv4Ruleset } from '@netsynth/ruleset-ipv4';
import { createTcpRuleset } from '@netsynth/ruleset-tcp';
import { createUdpRuleset } from '@netsynth/ruleset-udp';
import { haveShared, sharedPath } from '@netsynth/test-support';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFlowRuleset } from '../src/index.js';

const HAVE_SHARED = haveShared('@netsynth/ruleset-flow chain tests on real traffic');

const packetRulesets = (): Constraint[] => [createIpv4Ruleset(), createTcpRuleset(), createUdpRuleset(), createIcmpRuleset()];
const allRulesets = (): Constraint[] => [...packetRulesets(), createFlowRuleset()];

/** Real packets whose every byte from the IP header on is covered by a checksum that verifies. */
function fullyCovered(p: Packet, i: number): boolean {
  const v = viewOf(p, i);
  if (!v.ipv4 || v.cut || v.ipv4.moreFragments || v.ipv4.fragmentOffset > 0) return false;
  if (ipv4HeaderVerdict(v)?.state !== 'ok') return false;
  return transportVerdict(v)?.state === 'ok';
}

describe.skipIf(!HAVE_SHARED)('rulesets together on real and damaged traffic', () => {
  let covered: Packet[] = [];
  const samples: Packet[][] = [];

  beforeAll(async () => {
    for (const f of [
      'lab/web.pcap',
      'lab/dns.pcap',
      'lab/icmp.pcap',
      'lab/udpstream.pcap',
      'packets/dns_tcp.pcapng',
      'packets/icmp_traceroute.pcapng',
      'packets/http_espn.pcapng',
    ]) {
      const { packets } = await readCaptureAll(sharedPath(f));
      covered.push(...packets.filter(fullyCovered));
      for (let start = 0; start + 24 <= packets.length && samples.length < 400; start += 97) samples.push(packets.slice(start, start + 24));
    }
    covered = covered.filter((_, i) => i % 3 === 0);
  });

  it('detects any single bit flipped inside a checksummed IPv4 datagram', () => {
    expect(covered.length).toBeGreaterThan(500);
    const rulesets = packetRulesets();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (pick, bit) => {
        const p = covered[pick % covered.length] as Packet;
        const v = viewOf(p, 0);
        const o = v.ipOffset ?? 0;
        const bits = (v.ipv4?.totalLength ?? 20) * 8;
        const at = (bit % bits) + o * 8;
        const data = p.data.slice();
        data[at >> 3] = (data[at >> 3] ?? 0) ^ (0x80 >> (at & 7));
        const flipped: Packet = { ...p, data };
        expect(checkAll(rulesets, [flipped]).total).toBeGreaterThan(0);
      }),
      { numRuns: 600, seed: 20240101 },
    );
  });

  it('repairs randomly damaged windows of real traffic into packets every ruleset accepts', () => {
    const damage = fc.array(fc.record({ packet: fc.nat(), bit: fc.nat(), kind: fc.constantFrom('flip', 'byte', 'time', 'zero-time') }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.nat(), damage, fc.nat(), (pick, edits, seed) => {
        const sample = (samples[pick % samples.length] as Packet[]).map((p) => ({ ...p, data: p.data.slice() }));
        for (const e of edits) {
          const p = sample[e.packet % sample.length] as Packet;
          const o = viewOf(p, 0).ipOffset ?? 0;
          const span = Math.max(1, Math.min(p.data.length - o, 60));
          const at = o + (e.bit % span);
          if (e.kind === 'flip') p.data[at] = (p.data[at] ?? 0) ^ (1 << (e.bit % 8));
          else if (e.kind === 'byte') p.data[at] = e.bit & 0xff;
          else if (e.kind === 'time') p.timestampNs -= BigInt(e.bit % 5_000_000_000);
          else p.timestampNs = 0n;
        }
        const rulesets = allRulesets();
        const result = repairAll(rulesets, sample, createRng(seed));
        expect(countByRule(Object.values(result.remaining.byRuleset).flat())).toEqual({});
        // One pass in ipv4, tcp, udp, icmp, flow order is enough (the runner makes exactly one).
        expect(result.rounds).toBeLessThanOrEqual(1);
        expect(result.packets.length).toBe(sample.length);
      }),
      { numRuns: 80, seed: 7 },
    );
  });

  it('repairs random bytes on a raw-IP link into valid packets', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 90 }), { minLength: 1, maxLength: 8 }), fc.nat(), (blobs, seed) => {
        const sample: Packet[] = blobs.map((b, i) => {
          const data = b.slice();
          data[0] = 0x40 | ((data[0] ?? 0) & 0x0f);
          return { timestampNs: BigInt(i) * 1000n, capturedLength: data.length, originalLength: data.length, linkType: LinkType.RAW, data };
        });
        const result = repairAll(allRulesets(), sample, createRng(seed));
        expect(countByRule(Object.values(result.remaining.byRuleset).flat())).toEqual({});
        // One pass in ipv4, tcp, udp, icmp, flow order is enough (the runner makes exactly one).
        expect(result.rounds).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150, seed: 99 },
    );
  });

  it("repairs NetDiffusion's published output into a capture every ruleset accepts", async () => {
    const { packets } = await readCaptureAll(sharedPath('netdiffusion', 'replayable_netflix_5.pcap'));
    const rulesets = allRulesets();
    const before = checkAll(rulesets, packets);
    // NetDiffusion never recomputes TCP checksums and fills flags/options with random bits.
    expect(countByRule(before.byRuleset['tcp'] ?? [])['tcp.checksum']).toBe(1024);
    expect(before.byRuleset['flow']?.length).toBeGreaterThan(1000);
    const result = repairAll(rulesets, packets, createRng(1));
    expect(result.remaining.total).toBe(0);
    expect(result.packets.length).toBe(1024);
    // Each ruleset alone is idempotent on the repaired capture.
    for (const r of rulesets) expect(r.repair(result.packets, createRng(2)).changes).toEqual([]);
  });
});
