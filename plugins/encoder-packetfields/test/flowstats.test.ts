import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPacketFieldsEncoder, FIELD_COUNT, FIELD_NAMES, PACKET_FIELDS, sampleRows } from '../src/index.js';
import { syntheticClasses } from './synthetic-classes.js';

const P = 8;
const channel = (name: string): number => {
  const c = PACKET_FIELDS.includes(name) ? PACKET_FIELDS.indexOf(name) : FIELD_NAMES.indexOf(name);
  if (c < 0) throw new Error(`no channel ${name}`);
  return c;
};
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));

describe('flow summaries (count, back share, per-direction mean and spread)', () => {
  const samples = syntheticClasses();
  const enc = createPacketFieldsEncoder({ maxPackets: P });
  enc.fit(samples);
  // Linear scaling: the count channel is linear over the positions (quantile: count knots, below).
  const linear = createPacketFieldsEncoder({ maxPackets: P, scaling: 'linear' });
  linear.fit(samples);

  it('are encoded at every position and match the flow: packet count, share sent back, payload ranks per direction', () => {
    for (const s of samples) {
      const rows = sampleRows(s, P).rows;
      const t = enc.encode(s).data;
      const at = (name: string): number[] => Array.from(t.subarray(channel(name) * P, (channel(name) + 1) * P));
      expect(new Set(at('flow.packets')).size).toBe(1);
      expect(linear.encode(s).data[channel('flow.packets') * P]).toBeCloseTo((2 * rows.length) / P - 1, 6);
      expect(enc.decode(enc.encode(s), s.label).rows).toHaveLength(rows.length);
      const back = rows.filter((r) => r.direction === 1).length;
      expect(linear.encode(s).data[channel('flow.backShare') * P]).toBeCloseTo((2 * back) / rows.length - 1, 6);
      expect(enc.decode(enc.encode(s), s.label).rows.filter((r) => r.direction === 1)).toHaveLength(back);
      const fwd = at('payloadLength').filter((_, i) => rows[i]?.direction === 0);
      expect(at('flow.payloadLength.fwd.mean')[0]).toBeCloseTo(mean(fwd), 5);
      expect(at('flow.payloadLength.fwd.spread')[0]).toBeCloseTo(2 * std(fwd) - 1, 5);
    }
  });

  it('decode holds any generated packets to the summary: count, direction share, per-direction mean and spread of the values', () => {
    const labels = [...new Set(samples.map((s) => s.label))];
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: FIELD_COUNT * P, maxLength: FIELD_COUNT * P }),
        fc.integer({ min: 1, max: P }),
        fc.integer({ min: 0, max: P }),
        fc.constantFrom(...labels),
        (values, n, k, label) => {
          const back = Math.min(k, n);
          const data = Float32Array.from(values);
          const set = (name: string, v: number): void => {
            data.fill(v, channel(name) * P, (channel(name) + 1) * P);
          };
          set('flow.packets', (2 * n) / P - 1);
          set('flow.backShare', (2 * back) / n - 1);
          // Forward payload ranks: centred at 0.2 with no spread, so every forward packet gets one size.
          set('flow.payloadLength.fwd.mean', 0.2);
          set('flow.payloadLength.fwd.spread', -1);
          const d = linear.decode({ channels: FIELD_COUNT, height: 1, width: P, data }, label);
          const profileMax = linear.profile(label)?.protocols[String(d.flow.protocol)]?.maxPackets ?? P;
          expect(d.rows).toHaveLength(Math.min(n, profileMax));
          // The back share holds, except at the opening (opening.ts): the initiator sends first, a TCP handshake goes 0, 1, 0.
          expect(d.rows[0]?.direction).toBe(0);
          if (n <= profileMax) expect(Math.abs(d.rows.filter((r) => r.direction === 1).length - back)).toBeLessThanOrEqual(d.flow.protocol === 6 ? 2 : 1);
          const fwd = d.rows.filter((r) => r.direction === 0).map((r) => r.payloadLength);
          expect(new Set(fwd).size).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
