import fc from 'fast-check';
import type { LabelledSample } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { dissect } from '@netsynth/pcap';
import { createPacketFieldsEncoder, FIELD_COUNT, FIELD_NAMES, PACKET_FIELDS, sampleRows, type SampleRows } from '../src/index.js';
import { learnOptionSets, optionMask, snapOptions } from '../src/optionsets.js';
import { syntheticClasses } from './synthetic-classes.js';

const P = 8;
const channel = (name: string): number => (PACKET_FIELDS.includes(name) ? PACKET_FIELDS.indexOf(name) : FIELD_NAMES.indexOf(name));

/** One label made of two kinds of flow: the TCP service's flows and the ICMP echo flows. */
function mixed(): LabelledSample[] {
  return syntheticClasses()
    .filter((s) => s.label !== 'names')
    .map((s) => ({ ...s, label: 'mixed' }));
}

/** A tensor with every value at `fill`, the protocol one-hot set to `slot` and the count channel at `count`. */
function tensor(slot: string, count: number, fill = 0): Float32Array {
  const data = new Float32Array(FIELD_COUNT * P).fill(fill);
  for (const p of ['6', '17', '1', 'other']) data.fill(p === slot ? 1 : -1, channel(`protocol.${p}`) * P, (channel(`protocol.${p}`) + 1) * P);
  data.fill(count, channel('flow.packets') * P, (channel('flow.packets') + 1) * P);
  return data;
}

describe('knots per kind of flow and packet counts, learned per label in fit', () => {
  it('a label with two protocols maps each protocol through its own flows’ knots, so a decoded TCP flow never takes the ICMP sizes', () => {
    const samples = mixed();
    const enc = createPacketFieldsEncoder({ maxPackets: P });
    enc.fit(samples);
    // The same label fit on its TCP flows alone: a TCP flow of the mixed label must decode as it does there.
    const alone = createPacketFieldsEncoder({ maxPackets: P });
    alone.fit(samples.filter((s) => s.flow.key.protocol === 6));
    fc.assert(
      fc.property(fc.float({ min: -1, max: 1, noNaN: true }), fc.float({ min: -1, max: 1, noNaN: true }), (fill, count) => {
        const t = { channels: FIELD_COUNT, height: 1, width: P, data: tensor('6', count, fill) };
        const d = enc.decode(t, 'mixed');
        expect(d.flow.protocol).toBe(6);
        expect(d.rows).toEqual(alone.decode(t, 'mixed').rows);
      }),
      { numRuns: 40, seed: 3 },
    );
    // Real flows of both kinds still round-trip exactly.
    for (const s of samples) expect(enc.decode(enc.encode(s), s.label).rows).toEqual(sampleRows(s, P).rows);
  });

  it('the packet count decodes to a count the label’s flows of that protocol had, whatever the generated rank', () => {
    const samples = mixed();
    const enc = createPacketFieldsEncoder({ maxPackets: P });
    enc.fit(samples);
    fc.assert(
      fc.property(fc.float({ min: -1, max: 1, noNaN: true }), (count) => {
        // TCP flows of the label have 6 packets, ICMP flows 4: no other count comes back.
        expect(enc.decode({ channels: FIELD_COUNT, height: 1, width: P, data: tensor('6', count) }, 'mixed').rows).toHaveLength(6);
        expect(enc.decode({ channels: FIELD_COUNT, height: 1, width: P, data: tensor('1', count) }, 'mixed').rows).toHaveLength(4);
      }),
      { numRuns: 40, seed: 5 },
    );
    // Linear scaling keeps the count linear over the positions.
    const linear = createPacketFieldsEncoder({ maxPackets: P, scaling: 'linear' });
    linear.fit(samples);
    expect(linear.decode({ channels: FIELD_COUNT, height: 1, width: P, data: tensor('6', -0.5) }, 'mixed').rows).toHaveLength(2);
  });
});

describe('TCP option sets of non-SYN segments, learned per label, protocol and direction in fit', () => {
  it('learn the sets each side sent and snap generated presence bits to the nearest of them', () => {
    const samples = syntheticClasses();
    const byLabel = new Map<string, SampleRows[]>();
    for (const s of samples) byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), sampleRows(s, P)]);
    const sets = learnOptionSets(byLabel);
    // The TCP service sends its non-SYN segments without options; UDP and ICMP labels learn none.
    expect(sets['svc']).toEqual({ '6': [{ '0': 3 * 12 }, { '0': 12 }] });
    expect(sets['names']).toBeUndefined();
    const timestamps = { [String(optionMask({ mss: false, sackOk: false, timestamps: true, wscale: false }))]: 9 };
    // One noisy bit (SACK-permitted) or a dropped timestamp snaps back to the timestamps-only set.
    expect(snapOptions({ mss: false, sackOk: true, timestamps: true, wscale: false }, timestamps)).toEqual({
      mss: false,
      sackOk: false,
      timestamps: true,
      wscale: false,
    });
    expect(snapOptions({ mss: false, sackOk: false, timestamps: false, wscale: false }, timestamps).timestamps).toBe(true);
    // Nothing learned: the generated bits stay.
    expect(snapOptions({ mss: true, sackOk: false, timestamps: false, wscale: false }, undefined).mss).toBe(true);
  });

  it('decoded non-SYN segments carry only the option sets their side sent, whatever the generated bits', () => {
    const enc = createPacketFieldsEncoder({ maxPackets: P });
    enc.fit(syntheticClasses());
    fc.assert(
      fc.property(fc.float({ min: -1, max: 1, noNaN: true }), (fill) => {
        const d = enc.decode({ channels: FIELD_COUNT, height: 1, width: P, data: tensor('6', 1, fill) }, 'svc');
        expect(d.flow.optionSets).toBeDefined();
        // svc's non-SYN segments never carried options: every decoded non-SYN segment has a 20-byte TCP header.
        for (const p of d.packets) {
          const tcp = dissect(p).transport;
          if (tcp?.kind === 'tcp' && !tcp.flags.syn) expect(tcp.dataOffset).toBe(5);
        }
      }),
      { numRuns: 30, seed: 9 },
    );
  });
});
