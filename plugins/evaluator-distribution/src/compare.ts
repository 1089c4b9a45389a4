import type { Metric, ReportSection } from '@netsynth/core';
import type { JsdOptions, SampleAnalysis } from '@netsynth/evalkit';
import {
  asCdfData,
  cdfSection,
  countValues,
  ecdfPoints,
  jensenShannonCounts,
  jensenShannonRankCounts,
  mean,
  normalisedWasserstein1,
  tableSection,
  wasserstein1,
} from '@netsynth/evalkit';
import type { DistributionOptions } from './options.js';

/** The values of one field on each side. */
interface FieldValues<T> {
  real: T[];
  synthetic: T[];
}

type Categorical = { name: string; values: FieldValues<string | number>; byRank: boolean };
type Continuous = { name: string; values: FieldValues<number>; unit: string; cdf?: { title: string; xLabel: string; logX: boolean } };

function collect<T>(real: readonly SampleAnalysis[], synthetic: readonly SampleAnalysis[], pick: (a: SampleAnalysis) => Iterable<T | null>): FieldValues<T> {
  const side = (list: readonly SampleAnalysis[]): T[] => {
    const out: T[] = [];
    for (const a of list) for (const v of pick(a)) if (v !== null) out.push(v);
    return out;
  };
  return { real: side(real), synthetic: side(synthetic) };
}

function packetFieldsOf(real: readonly SampleAnalysis[], synthetic: readonly SampleAnalysis[]): { categorical: Categorical[]; continuous: Continuous[] } {
  const cat = (name: string, pick: (a: SampleAnalysis) => Iterable<string | number | null>, byRank = false): Categorical => ({
    name: `packets.${name}`,
    values: collect(real, synthetic, pick),
    byRank,
  });
  return {
    categorical: [
      cat('src_ip', (a) => a.packets.map((p) => p.srcIp), true),
      cat('dst_ip', (a) => a.packets.map((p) => p.dstIp), true),
      cat('src_port', (a) => a.packets.map((p) => p.srcPort)),
      cat('dst_port', (a) => a.packets.map((p) => p.dstPort)),
      cat('protocol', (a) => a.packets.map((p) => p.protocol)),
      cat('tcp_flags', (a) => a.packets.map((p) => p.tcpFlags)),
      cat('ttl', (a) => a.packets.map((p) => p.ttl)),
      cat('tcp_window', (a) => a.packets.map((p) => p.tcpWindow)),
    ],
    continuous: [
      {
        name: 'packets.length',
        values: collect(real, synthetic, (a) => a.packets.map((p) => p.length)),
        unit: 'bytes',
        cdf: { title: 'Packet length', xLabel: 'IP packet length (bytes)', logX: false },
      },
      {
        name: 'packets.iat',
        values: collect(real, synthetic, (a) => a.interArrivals),
        unit: 's',
        cdf: { title: 'Inter-arrival time', xLabel: 'time since the previous packet of the flow (s)', logX: true },
      },
    ],
  };
}

/** The port of a TCP or UDP flow's endpoint; null for other protocols (an ICMP echo id is no port). */
function portOf(a: SampleAnalysis, side: 'a' | 'b'): number | null {
  const { key } = a.sample.flow;
  return key.protocol === 6 || key.protocol === 17 ? key[side].port : null;
}

function flowFieldsOf(real: readonly SampleAnalysis[], synthetic: readonly SampleAnalysis[]): { categorical: Categorical[]; continuous: Continuous[] } {
  const cat = (name: string, pick: (a: SampleAnalysis) => string | number | null, byRank = false): Categorical => ({
    name: `flows.${name}`,
    values: collect(real, synthetic, (a) => [pick(a)]),
    byRank,
  });
  const recordsPerTuple = (list: readonly SampleAnalysis[]): number[] => [...countValues(list.map((a) => a.sample.flow.id)).values()];
  return {
    categorical: [
      cat('src_ip', (a) => a.sample.flow.key.a.address, true),
      cat('dst_ip', (a) => a.sample.flow.key.b.address, true),
      cat('src_port', (a) => portOf(a, 'a')),
      cat('dst_port', (a) => portOf(a, 'b')),
      cat('protocol', (a) => a.sample.flow.key.protocol),
    ],
    continuous: [
      {
        name: 'flows.packets',
        values: collect(real, synthetic, (a) => [a.packetCount]),
        unit: 'packets',
        cdf: { title: 'Flow size (packets)', xLabel: 'packets per flow', logX: true },
      },
      {
        name: 'flows.bytes',
        values: collect(real, synthetic, (a) => [a.byteCount]),
        unit: 'bytes',
        cdf: { title: 'Flow volume (bytes)', xLabel: 'bytes per flow', logX: true },
      },
      {
        name: 'flows.duration',
        values: collect(real, synthetic, (a) => [a.durationSeconds]),
        unit: 's',
        cdf: { title: 'Flow duration', xLabel: 'flow duration (s)', logX: true },
      },
      { name: 'flows.records_per_5tuple', values: { real: recordsPerTuple(real), synthetic: recordsPerTuple(synthetic) }, unit: 'records' },
    ],
  };
}

export interface TopPort {
  port: number;
  share: number;
}

export function topPorts(ports: readonly number[], k: number): TopPort[] {
  const counts = countValues(ports);
  return [...counts.entries()]
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, k)
    .map(([port, n]) => ({ port, share: n / ports.length }));
}

function topKComparison(name: string, values: FieldValues<number>, k: number): { metric: Metric; section: ReportSection } {
  const real = topPorts(values.real, k);
  const syn = topPorts(values.synthetic, k);
  const synSet = new Set(syn.map((t) => t.port));
  const shared = real.filter((t) => synSet.has(t.port)).length;
  const synShare = new Map(countValues(values.synthetic));
  const rows = real.map((t, i) => {
    const s = syn[i];
    return [i + 1, t.port, t.share, (synShare.get(t.port) ?? 0) / Math.max(values.synthetic.length, 1), s?.port ?? null, s?.share ?? null];
  });
  return {
    metric: {
      name: `${name}.top${k}_overlap`,
      value: real.length === 0 || syn.length === 0 ? null : shared / real.length,
      direction: 'higher',
      group: 'top-k',
    },
    section: tableSection(`Top ${k} ${name.replace('flows.', '').replace('_', ' ')}s`, {
      id: `top-${name.replace(/[._]/g, '-')}`,
      columns: ['rank', 'real port', 'real share', 'synthetic share of it', 'synthetic port', 'synthetic share'],
      rows,
      note: `Relative frequency over flows. Overlap = share of the real top ${k} also in the synthetic top ${k}.`,
    }),
  };
}

export interface Comparison {
  metrics: Metric[];
  sections: ReportSection[];
}

/** NetShare's metric set over the chosen levels; see the README for every metric's definition. */
export function compareDistributions(real: readonly SampleAnalysis[], synthetic: readonly SampleAnalysis[], options: DistributionOptions): Comparison {
  const jsd: JsdOptions = { base: options.jsdBase, form: options.jsdForm };
  const metrics: Metric[] = [];
  const sections: ReportSection[] = [];
  const topSections: ReportSection[] = [];
  const jsdUnit = options.jsdBase === 2 ? 'bits' : 'nats';
  for (const level of options.levels) {
    const fields = level === 'packets' ? packetFieldsOf(real, synthetic) : flowFieldsOf(real, synthetic);
    const countReal = level === 'packets' ? real.reduce((s, a) => s + a.packetCount, 0) : real.length;
    const countSyn = level === 'packets' ? synthetic.reduce((s, a) => s + a.packetCount, 0) : synthetic.length;
    metrics.push({ name: `${level}.count`, value: countSyn, real: countReal, synthetic: countSyn, direction: 'info', group: level, unit: level });
    for (const f of fields.categorical) {
      const ca = countValues(f.values.real);
      const cb = countValues(f.values.synthetic);
      metrics.push({
        name: `${f.name}.jsd`,
        value: f.byRank ? jensenShannonRankCounts(ca, cb, jsd) : jensenShannonCounts(ca, cb, jsd),
        direction: 'lower',
        group: level,
        unit: jsdUnit,
      });
    }
    for (const f of fields.continuous) {
      const { real: r, synthetic: s } = f.values;
      metrics.push({ name: `${f.name}.emd`, value: wasserstein1(r, s), direction: 'lower', group: level, unit: f.unit, real: mean(r), synthetic: mean(s) });
      metrics.push({ name: `${f.name}.emd_norm`, value: normalisedWasserstein1(r, s), direction: 'lower', group: level });
      if (f.cdf) {
        sections.push(
          cdfSection(f.cdf.title, {
            id: `cdf-${f.name.replace(/[._]/g, '-')}`,
            xLabel: f.cdf.xLabel,
            logX: f.cdf.logX,
            series: [
              { name: 'real', ...ecdfPoints(r, options.cdfPoints) },
              { name: 'synthetic', ...ecdfPoints(s, options.cdfPoints) },
            ],
          }),
        );
      }
    }
    if (level === 'flows') {
      for (const name of ['flows.dst_port', 'flows.src_port']) {
        const f = fields.categorical.find((c) => c.name === name) as Categorical;
        const t = topKComparison(name, f.values as FieldValues<number>, options.topK);
        metrics.push(t.metric);
        topSections.push(t.section);
      }
    }
  }
  return { metrics, sections: [...sections, ...topSections] };
}

/** The fields compared per class: sizes, times and the header fields that separate traffic kinds. */
const PER_CLASS_METRICS = new Set([
  'packets.length.emd',
  'packets.iat.emd',
  'packets.tcp_flags.jsd',
  'flows.packets.emd',
  'flows.bytes.emd',
  'flows.duration.emd',
  'flows.dst_port.jsd',
  'flows.protocol.jsd',
]);

/** Labels of the real side, sorted. */
function labelsOf(samples: readonly SampleAnalysis[]): string[] {
  return [...new Set(samples.map((a) => a.sample.label))].sort();
}

/**
 * The main JSD/EMD metrics per class (`class.<label>.<metric>`, `class` set), and per-class
 * CDFs of packet length and flow size for the report's class selector. A class the synthetic
 * side lacks gets null values: missing a class is a fidelity failure, not a skipped row.
 */
export function comparePerClass(real: readonly SampleAnalysis[], synthetic: readonly SampleAnalysis[], options: DistributionOptions): Comparison {
  const metrics: Metric[] = [];
  const sections: ReportSection[] = [];
  for (const label of labelsOf(real)) {
    const r = real.filter((a) => a.sample.label === label);
    const s = synthetic.filter((a) => a.sample.label === label);
    const c = compareDistributions(r, s, options);
    for (const m of c.metrics) {
      if (!PER_CLASS_METRICS.has(m.name)) continue;
      metrics.push({ ...m, name: `class.${label}.${m.name}`, class: label, ...(s.length === 0 && { value: null }) });
    }
    for (const sec of c.sections) {
      const data = sec.kind === 'cdf' ? asCdfData(sec.data) : null;
      if (!data || (data.id !== 'cdf-packets-length' && data.id !== 'cdf-flows-packets')) continue;
      sections.push(cdfSection(`${sec.title} — ${label}`, { ...data, id: `${data.id}-class-${label}`, classLabel: label }));
    }
  }
  return { metrics, sections };
}
