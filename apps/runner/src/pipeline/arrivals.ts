import type { LabelledSample, Rng } from '@netsynth/core';
import { flowOfSampleId } from '@netsynth/pcap';

/** A class's real arrival process: its flows' start times and the end of its activity (ns). */
export interface ClassArrivals {
  /** The class's real flow starts, sorted (a flow's windows count once, at its first packet). */
  startsNs: bigint[];
  /** The class's last real packet: where its activity period ends. */
  endNs: bigint;
  /**
   * Per gap i (start i to start i+1): null when flow i+1 started while an earlier flow of the
   * class was still open, else the idle time from the end of the last open flow to its start.
   */
  idleNs: (bigint | null)[];
}

const byTime = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Per class, the real flows' start times and the class's last packet time. */
export function learnArrivals(real: readonly LabelledSample[]): Map<string, ClassArrivals> {
  const starts = new Map<string, Map<string, bigint>>();
  const flowEnds = new Map<string, bigint>();
  const ends = new Map<string, bigint>();
  for (const s of real) {
    if (s.flow.packets.length === 0) continue;
    let first = s.flow.packets[0]?.timestampNs as bigint;
    let last = first;
    for (const p of s.flow.packets) {
      if (p.timestampNs < first) first = p.timestampNs;
      if (p.timestampNs > last) last = p.timestampNs;
    }
    let flows = starts.get(s.label);
    if (!flows) starts.set(s.label, (flows = new Map()));
    const key = flowOfSampleId(s.id);
    const known = flows.get(key);
    if (known === undefined || first < known) flows.set(key, first);
    const endKey = `${s.label}\u0000${key}`;
    const knownEnd = flowEnds.get(endKey);
    if (knownEnd === undefined || last > knownEnd) flowEnds.set(endKey, last);
    const end = ends.get(s.label);
    if (end === undefined || last > end) ends.set(s.label, last);
  }
  const out = new Map<string, ClassArrivals>();
  for (const [label, flows] of starts) {
    const byStart = [...flows].map(([key, start]) => ({ start, end: flowEnds.get(`${label}\u0000${key}`) as bigint })).sort((a, b) => byTime(a.start, b.start));
    out.set(label, { startsNs: byStart.map((f) => f.start), endNs: ends.get(label) as bigint, idleNs: idleGaps(byStart) });
  }
  return out;
}

/** Per gap between consecutive flow starts: the idle time before the later flow, or null when an earlier flow was still open. */
function idleGaps(flows: readonly { start: bigint; end: bigint }[]): (bigint | null)[] {
  const out: (bigint | null)[] = [];
  let busyUntil: bigint | null = null;
  for (let i = 0; i + 1 < flows.length; i++) {
    const end = (flows[i] as { end: bigint }).end;
    if (busyUntil === null || end > busyUntil) busyUntil = end;
    const next = (flows[i + 1] as { start: bigint }).start;
    out.push(next > busyUntil ? next - busyUntil : null);
  }
  return out;
}

/**
 * Gaps between a class's flow starts drawn as its real trace had them at the same point of the
 * trace: at a position p (time since the class's first start), a gap is drawn uniformly from
 * the ~√(n) real gaps that began nearest p. A burst in the capture gives short gaps where it
 * sat and a quiet stretch long ones, so the rate follows the real time-of-trace profile and,
 * over the trace, each real gap is drawn about as often as it occurred (the inter-arrival
 * distribution and mean rate are the real ones). Past the real span the profile starts over
 * (a longer trace repeats the capture's profile, as a second day repeats the first): n
 * generated flows span what n real flows did, whatever n is.
 */
export class GapSampler {
  private readonly positions: bigint[];
  private readonly gaps: bigint[];
  private readonly cycle: bigint;
  private readonly half: number;

  /** `startsNs` sorted, at least two. */
  constructor(
    startsNs: readonly bigint[],
    private readonly rng: Rng,
  ) {
    const first = startsNs[0] as bigint;
    this.positions = startsNs.slice(0, -1).map((t) => t - first);
    this.gaps = startsNs.slice(1).map((t, i) => t - (startsNs[i] as bigint));
    const span = (startsNs[startsNs.length - 1] as bigint) - first;
    // One mean gap joins the end of the profile to its next start, so the rate holds across it.
    this.cycle = span + span / BigInt(this.gaps.length) + 1n;
    this.half = Math.max(1, Math.floor(Math.sqrt(this.gaps.length) / 2));
  }

  /** The gap after a flow that starts `positionNs` after the class's first start. */
  next(positionNs: bigint): bigint {
    return this.gaps[this.nextIndex(positionNs)] as bigint;
  }

  /** Which real gap (its index) follows a flow that starts `positionNs` after the class's first start. */
  nextIndex(positionNs: bigint): number {
    const p = positionNs % this.cycle;
    // The last real gap that began at or before p (binary search over the sorted positions).
    let lo = 0;
    let hi = this.positions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.positions[mid] as bigint) <= p) lo = mid;
      else hi = mid - 1;
    }
    const from = Math.max(0, lo - this.half);
    const to = Math.min(this.gaps.length - 1, lo + this.half);
    return from + this.rng.int(to - from + 1);
  }

  /** The real gap of that index. */
  gap(index: number): bigint {
    return this.gaps[index] as bigint;
  }
}
