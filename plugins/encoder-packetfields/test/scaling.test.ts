import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPacketFieldsEncoder, FIELD_COUNT, FIELD_NAMES, PACKET_FIELDS, sampleRows } from '../src/index.js';
import { fromUnit, quantileKnots, toUnit } from '../src/quantiles.js';
import { syntheticClasses } from './synthetic-classes.js';

describe('quantile knots', () => {
  it('map every training value there and back, and a point mass owns a whole run of [-1, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 400 }), (values) => {
        const q = quantileKnots(values, 64);
        for (const v of values) expect(Math.round(fromUnit(q, toUnit(q, v)))).toBe(v);
      }),
    );
    // 70 % bare ACKs (52 B), 30 % full segments: every rank in the ACKs' share decodes to 52.
    const q = quantileKnots([...Array<number>(70).fill(52), ...Array.from({ length: 30 }, (_, i) => 1400 + i)], 64);
    for (let u = -1; u <= 0.35; u += 0.05) expect(fromUnit(q, u)).toBe(52);
    expect(fromUnit(q, 1)).toBe(1429);
    expect(toUnit(q, 0)).toBe(-1);
    expect(toUnit(q, 9999)).toBe(1);
  });
});

describe('scaling: quantile (per class, per direction)', () => {
  const lengthAt = (fields: string): number => PACKET_FIELDS.indexOf(fields);

  it('a neutral generated value decodes to the middle of what that class sent in that direction, not a mix of both sides', () => {
    const samples = syntheticClasses();
    const enc = createPacketFieldsEncoder({ maxPackets: 8 });
    enc.fit(samples);
    for (const label of ['svc', 'names']) {
      const rows = samples.filter((s) => s.label === label).flatMap((s) => sampleRows(s, 8).rows);
      for (const direction of [0, 1] as const) {
        const sent = rows
          .filter((r) => r.direction === direction)
          .map((r) => r.payloadLength)
          .sort((a, b) => a - b);
        // A tensor whose packets all go this way with every scaled field at the centre of [-1, 1].
        const data = new Float32Array(FIELD_COUNT * 8).fill(-1);
        // Its flow summary agrees: 8 of 8 packets, all that way, payload ranks centred with no spread.
        const side = direction === 0 ? 'fwd' : 'back';
        const flow: Record<string, number> = { 'flow.packets': 1, 'flow.backShare': direction === 0 ? -1 : 1, [`flow.payloadLength.${side}.mean`]: 0 };
        for (let i = 0; i < 8; i++) {
          data[0 * 8 + i] = 1;
          data[1 * 8 + i] = direction === 0 ? 1 : -1;
          data[lengthAt('payloadLength') * 8 + i] = 0;
          for (const [name, v] of Object.entries(flow)) data[FIELD_NAMES.indexOf(name) * 8 + i] = v;
        }
        const d = enc.decode({ channels: FIELD_COUNT, height: 1, width: 8, data }, label);
        const median = sent[Math.floor((sent.length - 1) / 2)]!;
        const upper = sent[Math.ceil((sent.length - 1) / 2)]!;
        // The count, back share and opening come from what the class did (kinds.ts, opening.ts): check the packets sent this way.
        const mine = d.rows.filter((r) => r.direction === direction);
        if (direction === 0) expect(mine.length).toBeGreaterThanOrEqual(1);
        for (const r of mine) {
          expect(r.payloadLength).toBeGreaterThanOrEqual(Math.min(median, upper));
          expect(r.payloadLength).toBeLessThanOrEqual(Math.max(median, upper));
        }
      }
    }
  });

  it('the knots travel in the state (decode of a saved run gives the same rows); linear keeps the fixed ranges', () => {
    const samples = syntheticClasses();
    const a = createPacketFieldsEncoder({ maxPackets: 8 });
    a.fit(samples);
    const b = createPacketFieldsEncoder({ maxPackets: 8 });
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    const linear = createPacketFieldsEncoder({ maxPackets: 8, scaling: 'linear' });
    linear.fit(samples);
    for (const s of samples) {
      const t = a.encode(s);
      expect(b.decode(t, s.label).rows).toEqual(a.decode(t, s.label).rows);
      expect(linear.decode(linear.encode(s), s.label).rows.map((r) => r.payloadLength)).toEqual(sampleRows(s, 8).rows.map((r) => r.payloadLength));
    }
  });
});
