import type { LabelledSample, Metric, ReportSection } from '@netsynth/core';
import { cdfSection, ecdfPoints, flowOfSampleId, mean, wasserstein1 } from '@netsynth/evalkit';

/** One flow of a trace: its first and last packet time (s, absolute) and its packet times. */
interface TraceFlow {
  start: number;
  end: number;
  times: number[];
}

/** The trace-level series compared between the sides; each is a distribution of numbers. */
export interface TraceSeries {
  /** Gaps between consecutive flow starts (s). */
  flow_iat: number[];
  /** Flows active at each flow's start, itself included. */
  concurrency: number[];
  /** Packets per second in each second from the trace's first to its last packet. */
  pps: number[];
  /** Flow durations (s). */
  duration: number[];
}

export const TRACE_SERIES: readonly { key: keyof TraceSeries; unit: string; title: string; xLabel: string; logX: boolean }[] = [
  { key: 'flow_iat', unit: 's', title: 'Flow inter-arrival time', xLabel: 'time between consecutive flow starts (s)', logX: true },
  { key: 'concurrency', unit: 'flows', title: 'Concurrent flows', xLabel: 'flows active when a flow starts', logX: true },
  { key: 'pps', unit: 'packets/s', title: 'Packets per second', xLabel: 'packets in each second of the trace', logX: false },
  { key: 'duration', unit: 's', title: 'Flow duration (trace)', xLabel: 'first to last packet of a flow (s)', logX: true },
];

/** More bins than this and the pps bins widen (rates stay per second): a day-long trace stays cheap. */
const MAX_RATE_BINS = 100_000;

/**
 * The samples as flows on one time line: windows cut from one flow (ids `FILE#FLOW@WINDOW`)
 * join again, so a long real flow counts once, as it did on the wire.
 */
export function traceFlows(samples: readonly LabelledSample[]): TraceFlow[] {
  const byFlow = new Map<string, number[]>();
  for (const s of samples) {
    const key = `${s.label}\u0000${flowOfSampleId(s.id)}`;
    const times = byFlow.get(key) ?? [];
    for (const p of s.flow.packets) times.push(Number(p.timestampNs) / 1e9);
    byFlow.set(key, times);
  }
  const flows: TraceFlow[] = [];
  for (const times of byFlow.values()) {
    if (times.length === 0) continue;
    times.sort((a, b) => a - b);
    flows.push({ start: times[0] as number, end: times[times.length - 1] as number, times });
  }
  return flows.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Number of flows active at each flow's start (binary search over the sorted ends). */
function concurrency(flows: readonly TraceFlow[]): number[] {
  const ends: number[] = [];
  const out: number[] = [];
  for (const f of flows) {
    // Drop the ends before this start: `ends` stays sorted, the active ones are what remains.
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ends[mid] as number) < f.start) lo = mid + 1;
      else hi = mid;
    }
    ends.splice(0, lo);
    let at = 0;
    while (at < ends.length && (ends[at] as number) <= f.end) at++;
    ends.splice(at, 0, f.end);
    out.push(ends.length);
  }
  return out;
}

function packetRates(flows: readonly TraceFlow[]): number[] {
  if (flows.length === 0) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const f of flows) {
    first = Math.min(first, f.start);
    last = Math.max(last, f.end);
  }
  const bins = Math.max(1, Math.ceil(last - first + 1e-9));
  const width = Math.max(1, Math.ceil(bins / MAX_RATE_BINS));
  const counts = new Float64Array(Math.ceil(bins / width));
  for (const f of flows) {
    for (const t of f.times) {
      const bin = Math.min(counts.length - 1, Math.floor((t - first) / width));
      counts[bin] = (counts[bin] as number) + 1;
    }
  }
  return Array.from(counts, (c) => c / width);
}

export function traceSeries(samples: readonly LabelledSample[]): TraceSeries {
  const flows = traceFlows(samples);
  const iat: number[] = [];
  for (let i = 1; i < flows.length; i++) iat.push((flows[i] as TraceFlow).start - (flows[i - 1] as TraceFlow).start);
  return { flow_iat: iat, concurrency: concurrency(flows), pps: packetRates(flows), duration: flows.map((f) => f.end - f.start) };
}

function groupByLabel(samples: readonly LabelledSample[]): Map<string, LabelledSample[]> {
  const out = new Map<string, LabelledSample[]>();
  for (const s of samples) out.set(s.label, [...(out.get(s.label) ?? []), s]);
  return out;
}

/**
 * `trace.*` metrics: each series' EMD between the real and synthetic traces (and each side's
 * mean), over all flows and per class. A generator that lays flows end to end shows here as
 * concurrency 1 against real overlap, whatever its per-flow fidelity.
 */
export function compareTraces(real: readonly LabelledSample[], synthetic: readonly LabelledSample[]): Metric[] {
  const metrics: Metric[] = [];
  const push = (r: TraceSeries, s: TraceSeries, label?: string): void => {
    for (const { key, unit } of TRACE_SERIES) {
      const name = label === undefined ? `trace.${key}.emd` : `class.${label}.trace.${key}.emd`;
      metrics.push({
        name,
        value: wasserstein1(r[key], s[key]),
        real: mean(r[key]),
        synthetic: mean(s[key]),
        direction: 'lower',
        group: 'trace',
        unit,
        ...(label !== undefined && { class: label }),
      });
    }
  };
  push(traceSeries(real), traceSeries(synthetic));
  const synByLabel = groupByLabel(synthetic);
  for (const [label, r] of [...groupByLabel(real)].sort(([a], [b]) => (a < b ? -1 : 1))) push(traceSeries(r), traceSeries(synByLabel.get(label) ?? []), label);
  return metrics;
}

/** CDFs of the trace series over all flows: real, synthetic and (when given) the real training stand-in. */
export function traceSections(
  real: readonly LabelledSample[],
  synthetic: readonly LabelledSample[],
  floor: readonly LabelledSample[] | undefined,
  points: number,
): ReportSection[] {
  const r = traceSeries(real);
  const s = traceSeries(synthetic);
  const f = floor ? traceSeries(floor) : undefined;
  return TRACE_SERIES.map(({ key, title, xLabel, logX }) =>
    cdfSection(title, {
      id: `cdf-trace-${key.replace(/_/g, '-')}`,
      xLabel,
      logX,
      series: [
        { name: 'real', ...ecdfPoints(r[key], points) },
        { name: 'synthetic', ...ecdfPoints(s[key], points) },
        ...(f ? [{ name: 'real (training, floor)', ...ecdfPoints(f[key], points) }] : []),
      ],
    }),
  );
}
