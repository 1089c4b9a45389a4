import type { LabelledSample, Metric } from '@netsynth/core';
import { createRng, isPluginDefinition, silentProgress } from '@netsynth/core';
import type { CraftedPacketSpec } from '@netsynth/evalkit';
import { asCdfData, asTableData, craftSample } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import plugin, { createDistributionEvaluator, topPorts } from '../src/index.js';
import { poissonStarts, timedFlows } from './timed-flows.js';

const ctx = { seed: 1, rng: createRng(1), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };

/** Request/response flows: `count` flows of `packets` packets each with sizes and gaps from the rng. */
function makeFlows(
  seed: number,
  count: number,
  opts: { protocol?: 'tcp' | 'udp'; dstPort?: number; sizeShift?: number; gapShift?: number } = {},
): LabelledSample[] {
  const rng = createRng(seed);
  const out: LabelledSample[] = [];
  for (let f = 0; f < count; f++) {
    const client = `10.0.${f % 7}.${1 + (f % 13)}`;
    const sport = 40000 + f;
    const dport = opts.dstPort ?? [80, 443, 53][f % 3]!;
    let t = 100 + f;
    const specs: CraftedPacketSpec[] = [];
    const n = 2 + rng.int(8);
    for (let i = 0; i < n; i++) {
      const fwd = i % 2 === 0;
      specs.push({
        timeSeconds: t,
        src: fwd ? client : '10.77.0.1',
        dst: fwd ? '10.77.0.1' : client,
        protocol: opts.protocol ?? 'tcp',
        length: 60 + rng.int(1000) + (opts.sizeShift ?? 0),
        srcPort: fwd ? sport : dport,
        dstPort: fwd ? dport : sport,
        ttl: 64,
        tcpFlags: 0x10,
      });
      t += 0.001 + rng.next() * 0.01 + (opts.gapShift ?? 0);
    }
    out.push(craftSample(`s${f}`, 'x', specs));
  }
  return out;
}

const byName = (metrics: Metric[]): Map<string, Metric> => new Map(metrics.map((m) => [m.name, m]));

describe('evaluator-distribution', () => {
  it('is a plugin definition with defaults', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.options.parse({})).toMatchObject({ jsdBase: 2, topK: 10, levels: ['packets', 'flows'] });
    expect(() => plugin.options.parse({ jsdBase: 10 })).toThrow();
  });

  it('gives 0 for every distance and full top-K overlap on identical inputs', async () => {
    const real = makeFlows(1, 60);
    const res = await createDistributionEvaluator().evaluate({ samples: real }, { samples: [...real].reverse() }, ctx);
    for (const m of res.metrics) {
      if (m.name.endsWith('.jsd') || m.name.endsWith('.emd') || m.name.endsWith('.emd_norm')) expect(m.value, m.name).toBeCloseTo(0, 12);
      if (m.name.includes('_overlap')) expect(m.value, m.name).toBe(1);
    }
    expect(res.metrics.filter((m) => m.name.endsWith('.jsd') && m.class === undefined).length).toBe(13);
    // Per class: 8 field metrics and 4 trace metrics.
    expect(res.metrics.filter((m) => m.name.startsWith('class.x.')).length).toBe(12);
    expect(res.table).toContain('packets.length.emd');
  });

  it('gives the analytic EMD for shifted sizes and gaps', async () => {
    const real = makeFlows(2, 50);
    const shifted = makeFlows(2, 50, { sizeShift: 37, gapShift: 0.5 });
    const m = byName((await createDistributionEvaluator().evaluate({ samples: real }, { samples: shifted }, ctx)).metrics);
    expect(m.get('packets.length.emd')?.value).toBeCloseTo(37, 9);
    expect(m.get('packets.iat.emd')?.value).toBeCloseTo(0.5, 6);
    // Every packet's size grows by 37, so each flow's volume grows by 37 × its packet count.
    const real2 = makeFlows(2, 50);
    const meanPackets = real2.reduce((s, x) => s + x.flow.packets.length, 0) / real2.length;
    expect((m.get('flows.bytes.emd')?.synthetic as number) - (m.get('flows.bytes.emd')?.real as number)).toBeCloseTo(37 * meanPackets, 6);
    // Categorical fields did not move.
    expect(m.get('packets.dst_port.jsd')?.value).toBeCloseTo(0, 12);
    expect(m.get('packets.length.emd_norm')?.value).toBeGreaterThan(0);
  });

  it('gives JSD 1 (base 2) on disjoint categories, ln 2 in nats, and √ln 2 as SciPy distance', async () => {
    const real = makeFlows(3, 40, { protocol: 'tcp', dstPort: 80 });
    const other = makeFlows(3, 40, { protocol: 'udp', dstPort: 53 });
    const base2 = byName((await createDistributionEvaluator().evaluate({ samples: real }, { samples: other }, ctx)).metrics);
    expect(base2.get('packets.protocol.jsd')?.value).toBeCloseTo(1, 12);
    expect(base2.get('flows.protocol.jsd')?.value).toBeCloseTo(1, 12);
    expect(base2.get('flows.dst_port.jsd')?.value).toBeCloseTo(1, 12);
    expect(base2.get('flows.dst_port.top10_overlap')?.value).toBe(0);
    const nats = byName((await createDistributionEvaluator({ jsdBase: 'e' }).evaluate({ samples: real }, { samples: other }, ctx)).metrics);
    expect(nats.get('packets.protocol.jsd')?.value).toBeCloseTo(Math.LN2, 12);
    const scipy = byName(
      (await createDistributionEvaluator({ jsdBase: 'e', jsdForm: 'distance' }).evaluate({ samples: real }, { samples: other }, ctx)).metrics,
    );
    expect(scipy.get('packets.protocol.jsd')?.value).toBeCloseTo(Math.sqrt(Math.LN2), 12);
  });

  it('returns CDF and top-K sections the report can read', async () => {
    const real = makeFlows(4, 30);
    const res = await createDistributionEvaluator({ cdfPoints: 50 }).evaluate({ samples: real }, { samples: makeFlows(5, 20) }, ctx);
    const all = (res.sections ?? []).filter((s) => s.kind === 'cdf').map((s) => asCdfData(s.data));
    const cdfs = all.filter((c) => !c?.classLabel && !c?.id.startsWith('cdf-trace'));
    expect(cdfs.map((c) => c?.id)).toEqual(['cdf-packets-length', 'cdf-packets-iat', 'cdf-flows-packets', 'cdf-flows-bytes', 'cdf-flows-duration']);
    expect(all.filter((c) => c?.classLabel === 'x').map((c) => c?.id)).toEqual(['cdf-packets-length-class-x', 'cdf-flows-packets-class-x']);
    expect(all.filter((c) => c?.id.startsWith('cdf-trace')).length).toBe(4);
    for (const c of cdfs) {
      expect(c?.series.map((s) => s.name)).toEqual(['real', 'synthetic']);
      for (const s of c?.series ?? []) {
        expect(s.x.length).toBeLessThanOrEqual(50);
        expect(s.y.at(-1)).toBe(1);
      }
    }
    const top = (res.sections ?? []).filter((s) => s.kind === 'table').map((s) => asTableData(s.data));
    expect(top.map((t) => t?.id)).toEqual(['top-flows-dst-port', 'top-flows-src-port']);
    expect(top[0]?.rows[0]?.slice(0, 3)).toEqual([1, 53, 10 / 30]);
  });

  it('ranks ports by frequency, ties by port number', () => {
    expect(topPorts([443, 80, 80, 53, 443, 22], 3)).toEqual([
      { port: 80, share: 2 / 6 },
      { port: 443, share: 2 / 6 },
      { port: 22, share: 1 / 6 },
    ]);
  });

  it('reports null distances when the synthetic side is empty', async () => {
    const m = byName((await createDistributionEvaluator().evaluate({ samples: makeFlows(6, 5) }, { samples: [] }, ctx)).metrics);
    expect(m.get('packets.length.emd')?.value).toBeNull();
    expect(m.get('packets.protocol.jsd')?.value).toBeNull();
    expect(m.get('packets.count')?.synthetic).toBe(0);
  });
});

describe('trace metrics and floors', () => {
  it('see flows laid end to end where the real trace overlaps them, per class and overall', async () => {
    // Real: a flow starts every second and lasts 2.5 s, so about three are active at once.
    const real = [...timedFlows('a', 30, (f) => 1000 + f), ...timedFlows('b', 20, (f) => 1000.3 + f)];
    // Synthetic: the same flows, each starting after the previous one ended.
    const synthetic = [...timedFlows('a', 30, (f) => 1000 + 3 * f), ...timedFlows('b', 20, (f) => 2000 + 3 * f)];
    const m = byName((await createDistributionEvaluator().evaluate({ samples: real }, { samples: synthetic }, ctx)).metrics);
    for (const key of ['flow_iat', 'concurrency', 'pps', 'duration']) expect(m.get(`trace.${key}.emd`), key).toBeDefined();
    expect(m.get('trace.concurrency.emd')?.synthetic).toBe(1);
    expect(m.get('trace.concurrency.emd')?.real).toBeGreaterThan(3);
    expect(m.get('class.a.trace.concurrency.emd')?.real).toBeGreaterThan(2);
    expect(m.get('class.a.trace.concurrency.emd')?.synthetic).toBe(1);
    expect(m.get('class.a.trace.flow_iat.emd')?.value).toBeCloseTo(2, 9);
    // Durations are the same on both sides.
    expect(m.get('trace.duration.emd')?.value).toBeCloseTo(0, 9);
    expect(m.get('class.a.trace.duration.emd')?.class).toBe('a');
  });

  it('joins the windows of one flow (ids FILE#FLOW@WINDOW) into one flow', async () => {
    const [first] = timedFlows('a', 1, () => 0, 4);
    const [second] = timedFlows('a', 1, () => 2, 4);
    const windows = [
      { ...(first as LabelledSample), id: 'x.pcap#0@0' },
      { ...(second as LabelledSample), id: 'x.pcap#0@4' },
    ];
    const { traceSeries } = await import('../src/index.js');
    expect(traceSeries(windows).duration).toEqual([3.5]);
    expect(traceSeries(windows).concurrency).toEqual([1]);
  });

  it('give every comparative metric a floor from the training samples; verbatim copies of them score at the floor', async () => {
    const training = [...timedFlows('a', 40, (f) => 100 + 1.7 * f, 6, 'ta'), ...timedFlows('b', 30, (f) => 100 + 2.3 * f, 4, 'tb')];
    const holdout = [...timedFlows('a', 12, (f) => 300 + 1.9 * f, 7, 'ha'), ...timedFlows('b', 9, (f) => 300 + 2.1 * f, 5, 'hb')];
    const real = { samples: holdout, training: { samples: training } };
    const copies = await createDistributionEvaluator().evaluate(real, { samples: training }, ctx);
    const comparative = copies.metrics.filter((m) => m.direction !== 'info');
    expect(comparative.length).toBeGreaterThan(20);
    for (const m of comparative) {
      expect(typeof m.floor === 'number' || m.value === null, m.name).toBe(true);
      if (m.value !== null && m.floor !== null && m.floor !== undefined) {
        if (m.direction === 'lower') expect(m.value, m.name).toBeLessThanOrEqual(m.floor + 1e-9);
        else expect(m.value, m.name).toBeGreaterThanOrEqual(m.floor - 1e-9);
      }
    }
    // A set unlike the real data sits far beyond its floor.
    const shifted = makeFlows(9, 40, { sizeShift: 400, gapShift: 1 }).map((s, i) => ({ ...s, label: i % 2 ? 'a' : 'b' }));
    const bad = byName((await createDistributionEvaluator().evaluate(real, { samples: shifted }, ctx)).metrics);
    const len = bad.get('packets.length.emd');
    expect(len?.value).toBeGreaterThan(3 * (len?.floor as number));
    expect(typeof bad.get('trace.flow_iat.emd')?.floor).toBe('number');
  });
});

describe('trace metrics at the holdout density', () => {
  it('thins the other side to the holdout density: a trace at the training rate matches the holdout, one 10× as dense stays far off', async () => {
    // A capture of 400 flows (one every 0.5 s, each 2.5 s long: ~6 open at once); a flow split holds back a random fifth.
    const starts = poissonStarts(400, 2, 1000, 11);
    const held = new Set(
      createRng(12)
        .shuffle(starts.map((_, i) => i))
        .slice(0, 80),
    );
    const holdout = timedFlows('a', 80, (f) => starts[[...held].sort((x, y) => x - y)[f] as number] as number, 6, 'h');
    const trainStarts = starts.filter((_, i) => !held.has(i));
    const training = timedFlows('a', trainStarts.length, (f) => trainStarts[f] as number, 6, 't');
    const real = { samples: holdout, training: { samples: training } };
    // A generator that reproduces the training trace's arrival process (another draw of it, 400 flows).
    const same = poissonStarts(400, 1.6, 5000, 13);
    const faithful = timedFlows('a', 400, (f) => same[f] as number, 6, 's');
    const fast = poissonStarts(400, 16, 5000, 14);
    const tooFast = timedFlows('a', 400, (f) => fast[f] as number, 6, 'f');
    const m = byName((await createDistributionEvaluator().evaluate(real, { samples: faithful }, ctx)).metrics);
    const bad = byName((await createDistributionEvaluator().evaluate(real, { samples: tooFast }, ctx)).metrics);
    const raw = byName((await createDistributionEvaluator().evaluate({ samples: holdout }, { samples: faithful }, ctx)).metrics);
    for (const key of ['flow_iat', 'concurrency']) {
      const name = `trace.${key}.emd`;
      const faithfulMetric = m.get(name) as Metric;
      const real = faithfulMetric.real as number;
      expect(faithfulMetric.floor).toBeGreaterThan(0);
      // Thinned to the holdout's density, the faithful trace's mean is the holdout's (within sampling noise).
      expect(Math.abs((faithfulMetric.synthetic as number) / real - 1), key).toBeLessThan(0.2);
      expect(faithfulMetric.value as number).toBeLessThan(0.2 * (bad.get(name)?.value as number));
      // Unthinned, the faithful trace looks far denser than the holdout (the unfairness the thinning removes).
      expect(raw.get(name)?.value as number).toBeGreaterThan(3 * (faithfulMetric.value as number));
    }
    expect(m.get('trace.flow_iat.emd')?.value as number).toBeLessThan(2 * (m.get('trace.flow_iat.emd')?.floor as number));
    // Too dense stays too dense after thinning: flows 10× closer together, far more of them open at once.
    expect(bad.get('trace.flow_iat.emd')?.synthetic as number).toBeLessThan(0.2 * (m.get('trace.flow_iat.emd')?.real as number));
    expect(bad.get('trace.concurrency.emd')?.synthetic as number).toBeGreaterThan(3 * (m.get('trace.concurrency.emd')?.real as number));
    // The real side is the holdout as it is: ~6 × 0.2 flows open at once, not thinned further.
    expect(m.get('trace.concurrency.emd')?.real).toBeLessThan(2.5);
  });
});
