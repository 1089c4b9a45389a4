import { createRng, deriveSeed, type LabelledSample } from '@netsynth/core';
import { flowOfSampleId } from '@netsynth/pcap';

export interface SplitSamples {
  train: LabelledSample[];
  holdout: LabelledSample[];
}

/**
 * How the holdout is drawn. `flow`: whole flows at random, so no flow has windows on both
 * sides (otherwise the real side holds pieces of the flows the model was fitted on and every
 * real-vs-synthetic figure flatters). `time`: per label, the flows that start last, as a
 * deployment would meet them. `window`: single windows at random (the old behaviour).
 */
export type SplitMode = 'flow' | 'time' | 'window';

interface FlowGroup {
  key: string;
  /** Indices into the input list. */
  members: number[];
  /** Earliest packet time of the flow's samples (ns). */
  start: bigint;
}

function firstTimestamp(s: LabelledSample): bigint {
  let min: bigint | null = null;
  for (const p of s.flow.packets) if (min === null || p.timestampNs < min) min = p.timestampNs;
  return min ?? 0n;
}

/** Flows of each label, labels sorted, flows in first-seen order. */
function groupByLabelAndFlow(samples: readonly LabelledSample[], mode: SplitMode): Map<string, FlowGroup[]> {
  const byLabel = new Map<string, Map<string, FlowGroup>>();
  samples.forEach((s, i) => {
    const flows = byLabel.get(s.label) ?? new Map<string, FlowGroup>();
    byLabel.set(s.label, flows);
    // `window` treats every sample as a flow of its own.
    const key = mode === 'window' ? `${i}` : flowOfSampleId(s.id);
    const g = flows.get(key) ?? { key, members: [], start: firstTimestamp(s) };
    g.members.push(i);
    const t = firstTimestamp(s);
    if (t < g.start) g.start = t;
    flows.set(key, g);
  });
  const out = new Map<string, FlowGroup[]>();
  for (const label of [...byLabel.keys()].sort()) out.set(label, [...(byLabel.get(label) as Map<string, FlowGroup>).values()]);
  return out;
}

/**
 * Whole flows, in the given order of preference, until the held-back samples are as close as
 * they get to `target`; one flow always stays in training. `contiguous` stops at the first
 * flow that does not fit (the time split must hold back exactly the last flows).
 */
function pickFlows(order: readonly FlowGroup[], target: number, contiguous: boolean): FlowGroup[] {
  const picked: FlowGroup[] = [];
  let held = 0;
  for (const g of order) {
    if (picked.length >= order.length - 1 || held >= target) break;
    const size = g.members.length;
    // Taking the flow brings the count closer to the target (or is the first of a time split).
    if (held + size / 2 <= target || (contiguous && picked.length === 0)) {
      picked.push(g);
      held += size;
    } else if (contiguous) break;
  }
  if (picked.length === 0 && target > 0 && order.length >= 2) {
    // Every flow is larger than twice the target: hold back the smallest rather than none.
    picked.push(order.reduce((a, b) => (b.members.length < a.members.length ? b : a)));
  }
  return picked;
}

/**
 * Holds back about `share` of each label's samples as the real side of the evaluation, by
 * whole flows (`flow`, seeded), by the latest flows (`time`) or by single windows (`window`,
 * seeded). A label keeps at least one training flow; a label with one flow has no holdout.
 * Both lists keep the input order.
 */
export function splitHoldout(samples: readonly LabelledSample[], share: number, seed: number, mode: SplitMode = 'flow'): SplitSamples {
  const held = new Set<number>();
  for (const [label, flows] of groupByLabelAndFlow(samples, mode)) {
    const n = flows.reduce((k, g) => k + g.members.length, 0);
    const target = Math.round(n * share);
    if (target === 0 || flows.length < 2) continue;
    const order =
      mode === 'time'
        ? [...flows].sort((a, b) => (a.start > b.start ? -1 : a.start < b.start ? 1 : a.key < b.key ? 1 : -1))
        : createRng(deriveSeed(seed, `holdout:${label}`)).shuffle([...flows]);
    for (const g of pickFlows(order, target, mode === 'time')) for (const i of g.members) held.add(i);
  }
  return {
    train: samples.filter((_, i) => !held.has(i)),
    holdout: samples.filter((_, i) => held.has(i)),
  };
}

/** Count of samples per label, labels sorted. */
export function countByLabel(samples: readonly { label: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[s.label] = (counts[s.label] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
