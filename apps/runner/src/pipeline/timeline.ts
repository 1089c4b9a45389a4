import { createRng, deriveSeed, type Packet } from '@netsynth/core';
import { GapSampler, learnArrivals, type ClassArrivals } from './arrivals.js';
import { sequentialShifts } from './pcap-out.js';
import type { RunState } from './state.js';
import { IngestKey } from './artifacts.js';

export { learnArrivals, type ClassArrivals } from './arrivals.js';

/**
 * Where generated flows sit in time (`output.timeline`). A generated sample has no start time
 * of its own; laid end to end (`sequential`) no two flows overlap and the trace's flow
 * inter-arrival and concurrency are nothing like a capture's. `learned` (default) lays each
 * class's flows out as the real training trace had them:
 *
 * - Rate and inter-arrival: each gap between a class's flow starts is a real gap of that class,
 *   drawn near the same point of the class's trace (GapSampler: the time-of-trace profile).
 * - When the generator makes k× as many flows of a class as the real trace has, the span
 *   stretches k× and the rate stays the real one. "Looks like the capture" is a claim about what
 *   happens per unit of time: how many flows are open at once, how far apart they start. Those
 *   are what a reader of synthetic.pcap sees and what the trace metrics compare; both hold only
 *   at the real rate. Raising the rate to keep the real span would multiply concurrency by k
 *   (a busier network than the one captured). So n generated flows span what n real ones did.
 * - Classes keep their real layout: a class whose real activity began after others had ended
 *   still begins after them (the real pause after the last of them kept, from the end of
 *   their generated flows, stretched or shrunk: layoutShift);
 *   a class that began while another was active begins at the same offset from it. Classes
 *   captured together interleave; classes captured one after another stay apart.
 * - A flow's duration and inner gaps are the generated packets' own; only its start moves.
 * - Overlap as in the capture, not more: after a drawn gap whose real next flow started with
 *   none of the class's flows open (idle), the generated next flow starts no earlier than the
 *   same idle time after the generated ones end. Drawn gaps alone overlap generated flows that
 *   run longer than the real ones wherever the capture had flows back to back (lab icmp: pings
 *   0.814 s long, 0.816 s apart; generated ones up to 1.6 s overlapped the next). A gap whose
 *   real next flow started while another was open stays as drawn, so real overlap stays.
 *
 * A class with one real flow (no gap to draw) continues end to end, GENERATED_GAP_NS apart.
 */

/** Gap between generated samples that would overlap when laid end to end (`sequential`). */
export const GENERATED_GAP_NS = 1_000_000_000n;

export interface LearnedTimeline {
  /** Per sample: ns to add to each packet time. */
  shifts: bigint[];
  /** Samples of classes with fewer than two real flows (no gaps to draw): laid end to end after the class's first start. */
  sequential: number;
}

type TimedSample = { label: string; packets: readonly Packet[] };

function extent(packets: readonly Packet[]): { first: bigint; last: bigint } | null {
  if (packets.length === 0) return null;
  let first = (packets[0] as Packet).timestampNs;
  let last = first;
  for (const p of packets) {
    if (p.timestampNs < first) first = p.timestampNs;
    if (p.timestampNs > last) last = p.timestampNs;
  }
  return { first, last };
}

/** One class's generated flows from time 0 (ns offsets of each sample's start) and the end of the last. */
function classStarts(
  samples: readonly TimedSample[],
  indices: readonly number[],
  arrivals: ClassArrivals | undefined,
  seed: number,
  label: string,
): { starts: Map<number, bigint>; end: bigint; sequential: number } {
  const sampler = arrivals && arrivals.startsNs.length >= 2 ? new GapSampler(arrivals.startsNs, createRng(deriveSeed(seed, `timeline|${label}`))) : null;
  const starts = new Map<number, bigint>();
  let at = 0n;
  let end = 0n;
  for (const i of indices) {
    const e = extent((samples[i] as TimedSample).packets);
    if (!e) continue;
    starts.set(i, at);
    const stop = at + e.last - e.first;
    if (stop > end) end = stop;
    if (!sampler || !arrivals) {
      at = stop + GENERATED_GAP_NS;
      continue;
    }
    // The real gap after this start; but where the real next flow began with none of the
    // class's flows open, not before the generated ones end plus that idle time (no overlap the
    // capture did not have, even when generated flows run longer than real ones).
    const k = sampler.nextIndex(at);
    const idle = arrivals.idleNs[k] ?? null;
    const next = at + sampler.gap(k);
    at = idle !== null && end + idle > next ? end + idle : next;
  }
  return { starts, end, sequential: sampler ? 0 : starts.size };
}

/** A class already on the timeline: its real first start and end, its shift, its generated end. */
interface PlacedClass {
  first: bigint;
  realEnd: bigint;
  shift: bigint;
  end: bigint;
}

/**
 * How far a class that began at `first` in the capture moves: alongside a class still active
 * then, by that class's shift (the same offset from it as in the capture); after the classes
 * that had ended, by the real pause after the last of them to end, counted from the end of
 * their generated flows. Only that last pause counts: a class with fewer generated flows than
 * real ones ends early, and keeping the real pause after an earlier, stretched class as well
 * would leave a gap no capture had between the two (on the lab captures, 4 s for 1.25 s).
 */
function layoutShift(placed: readonly PlacedClass[], first: bigint): bigint {
  let shift: bigint | null = null;
  let realEnd: bigint | null = null;
  let end: bigint | null = null;
  for (const p of placed) {
    if (p.realEnd < first) {
      if (realEnd === null || p.realEnd > realEnd) realEnd = p.realEnd;
      if (end === null || p.end > end) end = p.end;
    } else if (shift === null || p.shift > shift) shift = p.shift;
  }
  const afterEnded = realEnd !== null && end !== null ? end - realEnd : null;
  if (afterEnded !== null && (shift === null || afterEnded > shift)) shift = afterEnded;
  return shift ?? 0n;
}

/**
 * Start times for the samples, class by class (see the comment at the top): classes in the
 * order of their real first start, each moved by the layout rule, its flows by the drawn gaps.
 * Samples of a class with no real flows start at the earliest real start, end to end.
 */
export function learnedShifts(samples: readonly TimedSample[], arrivals: ReadonlyMap<string, ClassArrivals>, seed: number): LearnedTimeline {
  const byLabel = new Map<string, number[]>();
  samples.forEach((s, i) => byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), i]));
  let earliest: bigint | null = null;
  for (const a of arrivals.values()) if (earliest === null || (a.startsNs[0] as bigint) < earliest) earliest = a.startsNs[0] as bigint;
  const realFirst = (label: string): bigint => arrivals.get(label)?.startsNs[0] ?? earliest ?? 0n;
  const order = [...byLabel.keys()].sort((a, b) => {
    const d = realFirst(a) - realFirst(b);
    return d < 0n ? -1 : d > 0n ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  const placed: PlacedClass[] = [];
  const shifts: bigint[] = samples.map(() => 0n);
  let sequential = 0;
  for (const label of order) {
    const a = arrivals.get(label);
    const first = realFirst(label);
    const laid = classStarts(samples, byLabel.get(label) ?? [], a, seed, label);
    sequential += laid.sequential;
    const shift = layoutShift(placed, first);
    for (const [i, start] of laid.starts) shifts[i] = first + shift + start - (extent((samples[i] as TimedSample).packets) as { first: bigint }).first;
    placed.push({ first, realEnd: a?.endNs ?? first, shift, end: first + shift + laid.end });
  }
  return { shifts, sequential };
}

/**
 * The run's shifts for its final samples (the pcap stage writes them, the evaluation reads the
 * same): none for real traffic (its own times), else as `output.timeline` says.
 */
export async function timelineShifts(state: RunState, samples: readonly TimedSample[]): Promise<LearnedTimeline | undefined> {
  if (!state.plugins.generator) return undefined;
  if (state.config.output.timeline === 'sequential') return { shifts: sequentialShifts(samples, GENERATED_GAP_NS), sequential: samples.length };
  const { train } = await state.get(IngestKey);
  return learnedShifts(samples, learnArrivals(train), deriveSeed(state.config.seed, 'timeline'));
}
