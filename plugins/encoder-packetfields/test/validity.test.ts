import fc from 'fast-check';
import type { Packet } from '@netsynth/core';
import { dissect, verifyChecksums } from '@netsynth/pcap';
import { createIcmpRuleset } from '@netsynth/ruleset-icmp';
import { createIpv4Ruleset } from '@netsynth/ruleset-ipv4';
import { createTcpRuleset } from '@netsynth/ruleset-tcp';
import { createUdpRuleset } from '@netsynth/ruleset-udp';
import { describe, expect, it } from 'vitest';
import { createPacketFieldsEncoder, FIELD_COUNT, parseDns } from '../src/index.js';
import { syntheticClasses } from './synthetic-classes.js';

const RULESETS = [createIpv4Ruleset(), createTcpRuleset(), createUdpRuleset(), createIcmpRuleset()];

/** The packet as it was on the wire: the uncaptured payload is zeros by construction. */
function onWire(p: Packet): Packet {
  if (p.capturedLength === p.originalLength) return p;
  const data = new Uint8Array(p.originalLength);
  data.set(p.data);
  return { ...p, data, capturedLength: p.originalLength };
}

describe('decode validity (property: any tensor decodes to valid packets)', () => {
  const samples = syntheticClasses();
  const labels = ['svc', 'names', 'echo'];

  it.each(['series', 'matrix'] as const)(
    '%s layout: random tensors → packets that pass the packet rulesets with right checksums, inside the class profile',
    (layout) => {
      const P = 16;
      const enc = createPacketFieldsEncoder({ maxPackets: P, layout });
      enc.fit(samples);
      const info = enc.info();
      const value = fc.oneof(
        { weight: 20, arbitrary: fc.float({ min: -1.5, max: 1.5, noNaN: true }) },
        { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
      );
      fc.assert(
        fc.property(fc.array(value, { minLength: FIELD_COUNT * P, maxLength: FIELD_COUNT * P }), fc.constantFrom(...labels), (values, label) => {
          const tensor = { data: Float32Array.from(values), channels: info.channels, height: info.height, width: info.width };
          const d = enc.decode(tensor, label);
          const learned = Object.keys(enc.profile(label)!.protocols).map(Number);
          expect(learned).toContain(d.flow.protocol);
          // Never more packets than a sample of the class held (a DNS class: one query, one answer).
          expect(d.packets.length).toBeLessThanOrEqual(enc.profile(label)!.protocols[String(d.flow.protocol)]!.maxPackets!);
          // A FIN never precedes data from the same side.
          d.packets.forEach((p, i) => {
            const t = dissect(p).transport;
            if (t?.kind !== 'tcp' || !t.flags.fin) return;
            for (let j = i + 1; j < d.packets.length; j++)
              if (d.directions[j] === d.directions[i])
                expect(d.packets[j]!.originalLength).toBe(40 + (dissect(d.packets[j]!).transport as { dataOffset: number }).dataOffset * 4 - 20);
          });
          for (const p of d.packets) {
            const v = verifyChecksums(onWire(p));
            expect(v.ipv4).toBe(true);
            expect(v.transport).toBe(true);
            expect(p.originalLength).toBeLessThanOrEqual(1500);
          }
          for (const r of RULESETS) expect(r.check(d.packets), r.name).toEqual([]);
          if (label === 'names') for (const p of d.packets) expect(parseDns(p.data.subarray(28))).toBeDefined();
          // The same tensor gives the same bytes.
          expect(enc.decode(tensor, label).packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(
            d.packets.map((p) => Buffer.from(p.data).toString('hex')),
          );
        }),
        { numRuns: 150 },
      );
    },
  );
});
