import { createRng, deriveSeed, type LabelledSample, type Packet, type Rng } from '@netsynth/core';
import { flowOfSampleId } from '@netsynth/pcap';
import { sequentialShifts } from './pcap-out.js';
import type { RunState } from './state.js';
import { IngestKey } from './artifacts.js';

/**
 * Where generated flows sit in time (`output.timeline`). A generated sample has no start time
 * of its own; laid end to end (`sequential`) no two flows overlap and the trace's flow
 * inter-arrival and concurrency are nothing like a capture's. `learned` (default) draws each
 * class's flow starts from the real training trace: the class's first flow start, then gaps
 * drawn (seeded, with replacement) from the class's real gaps between consecutive flow starts
 * — a renewal process with the real inter-arrival distribution and rate, on the real trace's
 * clock, so flows of a class overlap as often as real ones did and classes interleave as they
 * did in the capture. Known limit: the order of the real gaps (bursts at certain times of the
 * trace) is not kept, only their distribution.
 */

/** Gap between generated samples that would overlap when laid end to end (`sequential`). */
export const GENERATED_GAP_NS = 1_000_000_000n;

/** A class's real arrivals: its first flow start and the gaps between consecutive flow starts (ns). */
export interface ClassArrivals {
  firstNs: bigint;
  gapsNs: bigint[];
}

/** Per class, the real flows' start times (windows of one flow count once, at its first packet). */
export function learnArrivals(real: readonly LabelledSample[]): Map<string, ClassArrivals> {
  const starts = new Map<string, Map<string, bigint>>();
  for (const s of real) {
    const first = s.flow.packets.reduce<bigint | null>((m, p) => (m === null || p.timestampNs < m ? p.timestampNs : m), null);
    if (first === null) continue;
    let flows = starts.get(s.label);
    if (!flows) starts.set(s.label, (flows = new Map()));
    const key = flowOfSampleId(s.id);
    const known = flows.get(key);
    if (known === undefined || first < known) flows.set(key, first);
  }
  const out = new Map<string, ClassArrivals>();
  for (const [label, flows] of starts) {
    const sorted = [...flows.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    out.set(label, { firstNs: sorted[0] as bigint, gapsNs: sorted.slice(1).map((t, i) => t - (sorted[i] as bigint)) });
  }
  return out;
}

const firstTime = (packets: readonly Packet[]): bigint | null =>
  packets.reduce<bigint | null>((m, p) => (m === null || p.timestampNs < m ? p.timestampNs : m), null);
const lastTime = (packets: readonly Packet[]): bigint | null =>
  packets.reduce<bigint | null>((m, p) => (m === null || p.timestampNs > m ? p.timestampNs : m), null);

export interface LearnedTimeline {
  /** Per sample: ns to add to each packet time. */
  shifts: bigint[];
  /** Samples of classes with fewer than two real flows (no gaps to draw): laid end to end after the class's first start. */
  sequential: number;
}

/**
 * Start times for the samples, class by class in sample order: the first at the class's real
 * first start, each next one a drawn real gap later. A class with one real flow (no gap) or
 * none (start: the earliest real start) continues end to end, GENERATED_GAP_NS apart.
 */
export function learnedShifts(
  samples: readonly { label: string; packets: readonly Packet[] }[],
  arrivals: ReadonlyMap<string, ClassArrivals>,
  seed: number,
): LearnedTimeline {
  let earliest: bigint | null = null;
  for (const a of arrivals.values()) if (earliest === null || a.firstNs < earliest) earliest = a.firstNs;
  const state = new Map<string, { next: bigint; rng: Rng }>();
  let sequential = 0;
  const shifts = samples.map((s) => {
    const first = firstTime(s.packets);
    if (first === null) return 0n;
    const a = arrivals.get(s.label);
    let st = state.get(s.label);
    if (!st) state.set(s.label, (st = { next: a?.firstNs ?? earliest ?? first, rng: createRng(deriveSeed(seed, `timeline|${s.label}`)) }));
    const start = st.next;
    const shift = start - first;
    if (a && a.gapsNs.length > 0) {
      st.next = start + (a.gapsNs[st.rng.int(a.gapsNs.length)] as bigint);
    } else {
      sequential++;
      st.next = (lastTime(s.packets) ?? first) + shift + GENERATED_GAP_NS;
    }
    return shift;
  });
  return { shifts, sequential };
}

/**
 * The run's shifts for its final samples (the pcap stage writes them, the evaluation reads the
 * same): none for real traffic (its own times), else as `output.timeline` says.
 */
export async function timelineShifts(state: RunState, samples: readonly { label: string; packets: readonly Packet[] }[]): Promise<LearnedTimeline | undefined> {
  if (!state.plugins.generator) return undefined;
  if (state.config.output.timeline === 'sequential') return { shifts: sequentialShifts(samples, GENERATED_GAP_NS), sequential: samples.length };
  const { train } = await state.get(IngestKey);
  return learnedShifts(samples, learnArrivals(train), deriveSeed(state.config.seed, 'timeline'));
}
