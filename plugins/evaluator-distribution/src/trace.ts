import type { LabelledSample, Metric, ReportSection } from '@netsynth/core';
import { createRng } from '@netsynth/core';
import { cdfSection, ecdfPoints, flowOfSampleId, mean, sampleAtMost, wasserstein1, weightedEcdfPoints, weightedWasserstein1 } from '@netsynth/evalkit';
import { classMixWeights, weightedMean } from './class-mix.js';

/** One flow of a trace: its class, first and last packet time (s, absolute) and its packet times. */
export interface TraceFlow {
  label: string;
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
  const byFlow = new Map<string, { label: string; times: number[] }>();
  for (const s of samples) {
    const key = `${s.label}\u0000${flowOfSampleId(s.id)}`;
    const flow = byFlow.get(key) ?? { label: s.label, times: [] };
    for (const p of s.flow.packets) flow.times.push(Number(p.timestampNs) / 1e9);
    byFlow.set(key, flow);
  }
  const flows: TraceFlow[] = [];
  for (const { label, times } of byFlow.values()) {
    if (times.length === 0) continue;
    times.sort((a, b) => a - b);
    flows.push({ label, start: times[0] as number, end: times[times.length - 1] as number, times });
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
  return seriesOfFlows(traceFlows(samples));
}

/** The series of flows already on one time line (sorted by start, as traceFlows returns them). */
export function seriesOfFlows(flows: readonly TraceFlow[]): TraceSeries {
  const iat: number[] = [];
  for (let i = 1; i < flows.length; i++) iat.push((flows[i] as TraceFlow).start - (flows[i - 1] as TraceFlow).start);
  return { flow_iat: iat, concurrency: concurrency(flows), pps: packetRates(flows), duration: flows.map((f) => f.end - f.start) };
}

/**
 * The class of each value of the series that belong to one flow (seriesOfFlows' order): a gap
 * is the later flow's, a concurrency the starting flow's. Packets per second mix the classes
 * within each second: none.
 */
function seriesLabels(flows: readonly TraceFlow[]): Partial<Record<keyof TraceSeries, string[]>> {
  const labels = flows.map((f) => f.label);
  return { flow_iat: labels.slice(1), concurrency: labels, duration: labels };
}

/** Flow starts per second over the span of the starts; null with fewer than two flows (no span). */
function startRate(flows: readonly TraceFlow[]): number | null {
  if (flows.length < 2) return null;
  const span = (flows[flows.length - 1] as TraceFlow).start - (flows[0] as TraceFlow).start;
  return span > 0 ? (flows.length - 1) / span : null;
}

function byLabel(flows: readonly TraceFlow[]): Map<string, TraceFlow[]> {
  const out = new Map<string, TraceFlow[]>();
  for (const f of flows) {
    const list = out.get(f.label);
    if (list) list.push(f);
    else out.set(f.label, [f]);
  }
  return out;
}

/**
 * What the trace metrics compare the other side at: the real training samples (what a
 * generator imitates) and the seed of the thinning.
 */
export interface TraceReference {
  training: readonly LabelledSample[];
  seed: number;
}

/**
 * Per class, the share of flows that brings a trace as dense as the real training trace down to
 * the real holdout's density: the holdout's flow start rate over the training's (at most 1;
 * the count ratio where a side has too few flows for a rate). Why: inter-arrival times and
 * concurrency depend on how many flows a trace holds per second. A flow-grouped holdout is a
 * random fifth of a capture's flows, so its flows arrive 4× further apart than the training's
 * and overlap less, however faithful a generator is; compared as they are, a generator that
 * reproduces the capture's arrival process looks wrong. The share is measured on real data
 * only, so a generator whose flows come too fast (or end to end) still shows it after thinning.
 * A time split holds back the last flows whole: the rates agree and the share is about 1.
 */
export function holdoutShares(real: readonly TraceFlow[], training: readonly TraceFlow[]): Map<string, number> {
  const realBy = byLabel(real);
  const shares = new Map<string, number>();
  for (const [label, train] of byLabel(training)) {
    const held = realBy.get(label) ?? [];
    const rh = startRate(held);
    const rt = startRate(train);
    const share = rh !== null && rt !== null ? rh / rt : held.length / train.length;
    shares.set(label, Math.min(1, share));
  }
  return shares;
}

/**
 * Thinning draws whose metrics are averaged. Why: a floor is what real data scores in
 * expectation, and one draw of a holdout-sized trace is a noisy estimate of it, worst for rare
 * events. On the lab captures, 3 of the 279 training flows start while another is open; a
 * draw at the holdout's density keeps both flows of such a pair with p ≈ 0.08, so one draw's
 * concurrency floor was 0 (no pair kept) while a synthetic trace 8× as long showed the
 * capture's rare overlaps at their thinned rate every time: "within 2× of 0" could only be met
 * by a trace with no overlap at all. Averaged over draws, both sides estimate the same
 * expectation. The draws are cheap: series of a few thousand flows.
 */
export const THINNING_DRAWS = 16;

/** Per class, a seeded random choice of round(share × n) flows (all of them for a class without a share); `draw` picks another choice. */
export function thinFlows(flows: readonly TraceFlow[], shares: ReadonlyMap<string, number>, seed: number, draw = 0): TraceFlow[] {
  const rng = createRng(seed).fork(draw === 0 ? 'trace-thin' : `trace-thin#${draw}`);
  const out: TraceFlow[] = [];
  for (const [label, list] of [...byLabel(flows)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const share = shares.get(label) ?? 1;
    out.push(...(share >= 1 ? list : sampleAtMost(list, Math.max(1, Math.round(share * list.length)), rng.fork(label))));
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Both sides' flows, the other side thinned to the holdout's density when a reference is given:
 * `draws` thinnings (one when nothing is thinned: every share is 1).
 */
function comparedFlows(
  real: readonly LabelledSample[],
  other: readonly LabelledSample[],
  reference: TraceReference | undefined,
  draws = 1,
): { real: TraceFlow[]; others: TraceFlow[][] } {
  const r = traceFlows(real);
  const o = traceFlows(other);
  if (!reference || reference.training.length === 0) return { real: r, others: [o] };
  const shares = holdoutShares(r, traceFlows(reference.training));
  const n = [...shares.values()].every((v) => v >= 1) ? 1 : draws;
  return { real: r, others: Array.from({ length: n }, (_, d) => thinFlows(o, shares, reference.seed, d)) };
}

/** The mean of the non-null values (null when there are none). */
function meanOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

/** One series compared: EMD and means, the other side at the real class mix when both sides' classes are known. */
function compareSeries(r: number[], o: number[], realLabels?: string[], otherLabels?: string[]) {
  const weights = realLabels && otherLabels ? classMixWeights(realLabels, otherLabels) : null;
  if (!weights) return { value: wasserstein1(r, o), real: mean(r), synthetic: mean(o) };
  const unit = r.map(() => 1);
  return { value: weightedWasserstein1(r, unit, o, weights), real: mean(r), synthetic: weightedMean(o, weights) };
}

/**
 * `trace.*` metrics: each series' EMD between the real and the other trace (and each side's
 * mean), over all flows and per class. A generator that lays flows end to end shows here as
 * concurrency 1 against real overlap, whatever its per-flow fidelity. With a reference, the
 * other side is first thinned to the real holdout's flow density (holdoutShares), so the floor
 * (training vs holdout) and a synthetic trace are judged at the density the holdout has; each
 * metric is the mean over THINNING_DRAWS thinnings (why: at THINNING_DRAWS). Over
 * all flows, the other side's values are read at the real class mix (classMixWeights): the
 * generator's per-class counts are a choice of the run, not a property of its timeline.
 */
export function compareTraces(real: readonly LabelledSample[], other: readonly LabelledSample[], reference?: TraceReference): Metric[] {
  const flows = comparedFlows(real, other, reference, THINNING_DRAWS);
  const perDraw = flows.others.map((o) => compareThinned(flows.real, o));
  // Every draw lists the same metrics in the same order (the real side's classes): average them.
  return (perDraw[0] as Metric[]).map((m, i) => ({
    ...m,
    value: meanOf(perDraw.map((d) => (d[i] as Metric).value)),
    synthetic: meanOf(perDraw.map((d) => (d[i] as Metric).synthetic ?? null)),
  }));
}

/** The metrics of one thinned draw of the other side. */
function compareThinned(real: readonly TraceFlow[], other: readonly TraceFlow[]): Metric[] {
  const metrics: Metric[] = [];
  const push = (r: readonly TraceFlow[], o: readonly TraceFlow[], label?: string): void => {
    const [rs, os] = [seriesOfFlows(r), seriesOfFlows(o)];
    const [rl, ol] = label === undefined ? [seriesLabels(r), seriesLabels(o)] : [{}, {}];
    for (const { key, unit } of TRACE_SERIES) {
      metrics.push({
        name: label === undefined ? `trace.${key}.emd` : `class.${label}.trace.${key}.emd`,
        ...compareSeries(rs[key], os[key], rl[key], ol[key]),
        direction: 'lower',
        group: 'trace',
        unit,
        ...(label !== undefined && { class: label }),
      });
    }
  };
  push(real, other);
  const otherBy = byLabel(other);
  for (const [label, r] of [...byLabel(real)].sort(([a], [b]) => (a < b ? -1 : 1))) push(r, otherBy.get(label) ?? [], label);
  return metrics;
}

/** A side's CDF of one overall series, at the real class mix as compareTraces reads it. */
function overallCdf(real: readonly TraceFlow[], other: readonly TraceFlow[], key: keyof TraceSeries, points: number): { x: number[]; y: number[] } {
  const values = seriesOfFlows(other)[key];
  const realLabels = seriesLabels(real)[key];
  const otherLabels = seriesLabels(other)[key];
  const weights = realLabels && otherLabels ? classMixWeights(realLabels, otherLabels) : null;
  return weights ? weightedEcdfPoints(values, weights, points) : ecdfPoints(values, points);
}

/**
 * CDFs of the trace series over all flows: real, synthetic and (with a reference) the real
 * training trace, both thinned and read at the real class mix as compareTraces does.
 */
export function traceSections(
  real: readonly LabelledSample[],
  synthetic: readonly LabelledSample[],
  reference: TraceReference | undefined,
  points: number,
): ReportSection[] {
  // One draw each (the first of compareTraces'): a plot shows one trace.
  const compared = comparedFlows(real, synthetic, reference);
  const r = seriesOfFlows(compared.real);
  const floor = reference?.training.length ? comparedFlows(real, reference.training, reference).others[0] : undefined;
  return TRACE_SERIES.map(({ key, title, xLabel, logX }) =>
    cdfSection(title, {
      id: `cdf-trace-${key.replace(/_/g, '-')}`,
      xLabel,
      logX,
      series: [
        { name: 'real', ...ecdfPoints(r[key], points) },
        { name: 'synthetic', ...overallCdf(compared.real, compared.others[0] as TraceFlow[], key, points) },
        ...(floor ? [{ name: 'real (training, floor)', ...overallCdf(compared.real, floor, key, points) }] : []),
      ],
    }),
  );
}
