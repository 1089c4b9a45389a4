import type { EvalSet, NetflowRecord, PluginContext } from '@netsynth/core';
import { sampleOfRecord } from '@netsynth/records';
import { describe, expect, it } from 'vitest';
import { createNetflowEvaluator, recordMetrics, validityShares } from '../src/index.js';

const rec = (i: number, over: Partial<NetflowRecord> = {}): NetflowRecord => ({
  srcip: `10.0.${i % 7}.${i % 13}`,
  dstip: `192.0.2.${i % 5}`,
  srcport: 40000 + (i % 100),
  dstport: [443, 80, 53][i % 3]!,
  proto: i % 3 === 2 ? 17 : 6,
  ts: 1.7e9 + i,
  td: (i % 10) / 3,
  pkt: 1 + (i % 20),
  byt: (1 + (i % 20)) * 300,
  ...over,
});
const set = (records: NetflowRecord[], label = 'x'): EvalSet => ({ samples: records.map((r, i) => sampleOfRecord(`s${i}`, label, r)) });

describe('evaluator-netflow', () => {
  it('scores identical record sets as identical and a shifted one as worse', () => {
    const real = Array.from({ length: 200 }, (_, i) => rec(i));
    const same = recordMetrics(real, real);
    for (const m of same.filter((m) => m.name.endsWith('.jsd') || m.name.endsWith('.emd'))) expect(m.value, m.name).toBeCloseTo(0, 9);
    const shifted = recordMetrics(
      real,
      real.map((r) => ({ ...r, pkt: r.pkt * 10, byt: r.byt * 10, dstport: r.dstport + 1 })),
    );
    expect(shifted.find((m) => m.name === 'records.pkt.emd')!.value).toBeGreaterThan(0.5);
    expect(shifted.find((m) => m.name === 'records.dstport.jsd')!.value).toBeCloseTo(1, 6);
  });

  it("NetShare's validity tests catch impossible records", () => {
    const shares = validityShares([
      rec(1),
      rec(2, { srcip: '0.1.2.3' }),
      rec(3, { proto: 6, dstport: 0 }),
      rec(4, { proto: 17, dstport: 22 }),
      rec(5, { pkt: 10, byt: 100 }),
      rec(6, { pkt: 0 }),
    ]);
    expect(shares).toEqual({ ip_valid: 5 / 6, port_protocol: 4 / 6, bytes_per_packet: 4 / 6, counts: 5 / 6 });
  });

  it('gives every comparative metric a real-vs-real floor when the real side has training records', async () => {
    const real = set(Array.from({ length: 100 }, (_, i) => rec(i)));
    real.training = set(Array.from({ length: 300 }, (_, i) => rec(i + 7)));
    const result = await createNetflowEvaluator().evaluate(real, set(Array.from({ length: 100 }, (_, i) => rec(i * 3, { td: 50 }))), {
      seed: 0,
    } as PluginContext);
    const overall = result.metrics.filter((m) => m.class === undefined);
    expect(overall.every((m) => typeof m.floor === 'number')).toBe(true);
    const td = overall.find((m) => m.name === 'records.td.emd')!;
    expect(td.value!).toBeGreaterThan(td.floor!);
    expect(result.metrics.some((m) => m.class === 'x')).toBe(true);
    expect(result.table).toContain('records.srcport.jsd');
  });
});
