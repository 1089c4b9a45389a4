/**
 * Timestamps and inter-arrival times. Checked: nothing before `earliestTimestamp` (zeros mean
 * "never generated"); no step back beyond the capture jitter; no run of more than
 * `maxSameTimestampRun` packets on one timestamp; no silence longer than `maxIdleSeconds`
 * inside a sub-flow.
 *
 * Repaired with the fewest timestamps moved: a sample without real times is shifted as a
 * whole to `repairStartTime` (its inter-arrival times kept); a step back is clamped to the
 * previous time; an over-long run is spread out with inter-arrival times drawn from the learned
 * distribution (the round-trip distribution where the direction turns); an over-long silence
 * is replaced by a learned inter-arrival time. Later packets move with the ones before them so
 * every interval that was fine stays as it was.
 */
import { nsToSeconds, secondsToNs } from '@netsynth/core';
import { subflowsOf } from '@netsynth/protocol-rules';
import type { FlowContext } from '../context.js';
import type { SampleWalk } from '../walk.js';

interface Placement {
  /** Sub-flow and direction of each packet (undefined for non-IP packets). */
  flowOf: (number | undefined)[];
  dirOf: (number | undefined)[];
  /** Index of the previous packet of the same sub-flow. */
  prevInFlow: (number | undefined)[];
}

function placement(walk: SampleWalk): Placement {
  const n = walk.size;
  const p: Placement = { flowOf: new Array(n), dirOf: new Array(n), prevInFlow: new Array(n) };
  subflowsOf(walk.views).forEach((s, f) => {
    s.indices.forEach((i, k) => {
      p.flowOf[i] = f;
      p.dirOf[i] = s.directions[k];
      p.prevInFlow[i] = k > 0 ? s.indices[k - 1] : undefined;
    });
  });
  return p;
}

export function checkTiming(walk: SampleWalk, ctx: FlowContext): void {
  const n = walk.size;
  if (n === 0) return;
  const o = ctx.options;
  const jitterNs = secondsToNs(o.timestampJitterSeconds);
  const idleNs = secondsToNs(o.maxIdleSeconds);
  const ts = walk.views.map((v) => v.packet.timestampNs);
  const at = (i: number): bigint => ts[i] ?? 0n;
  const place = placement(walk);

  // Findings on the timestamps as given.
  const early = ts.map((t) => t < ctx.earliestNs);
  const back: boolean[] = new Array(n).fill(false);
  const inLongRun: boolean[] = new Array(n).fill(false);
  const idle: boolean[] = new Array(n).fill(false);
  for (let i = 1; i < n; i++) if (at(i) < at(i - 1) - jitterNs) back[i] = true;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && at(j) === at(i)) j++;
    // The whole run is implausible, not just its tail: every packet after the first gets a new time.
    if (j - i > o.maxSameTimestampRun) for (let k = i + 1; k < j; k++) inLongRun[k] = true;
    i = j;
  }
  for (let i = 0; i < n; i++) {
    const prev = place.prevInFlow[i];
    if (prev !== undefined && at(i) - at(prev) > idleNs) idle[i] = true;
  }
  const earliest = new Date(Number(ctx.earliestNs / 1_000_000n)).toISOString();
  for (let i = 0; i < n; i++) {
    if (early[i]) walk.report('flow.timestamp', 'frame.timestamp', i, `timestamp ${nsToSeconds(at(i)).toFixed(6)} s is before ${earliest}: not a capture time`);
    if (back[i]) walk.report('flow.timestamp', 'frame.timestamp', i, `timestamp steps back ${nsToSeconds(at(i - 1) - at(i)).toFixed(6)} s`);
    if (inLongRun[i]) walk.report('flow.iat', 'frame.timestamp', i, `in a run of more than ${o.maxSameTimestampRun} consecutive packets sharing one timestamp`);
    if (idle[i])
      walk.report(
        'flow.iat',
        'frame.timestamp',
        i,
        `${nsToSeconds(at(i) - at(place.prevInFlow[i] ?? i)).toFixed(1)} s of silence inside one flow (max ${o.maxIdleSeconds} s)`,
      );
  }
  if (!walk.repairing || !walk.rng) return;
  const rng = walk.rng;
  const anyFinding = early.some(Boolean) || back.some(Boolean) || inLongRun.some(Boolean) || idle.some(Boolean);
  if (!anyFinding) return;

  // New timeline: shift, then walk forward keeping every good interval.
  const iatDist = ctx.values.numeric((p) => p.iat);
  const turnDist = ctx.values.numeric((p) => p.turnaround);
  const drawIat = (i: number): bigint => {
    const prev = place.prevInFlow[i];
    const turns = prev !== undefined && place.dirOf[prev] !== place.dirOf[i];
    const s = (turns ? turnDist : iatDist).sample(rng) ?? 0.001;
    return secondsToNs(Math.max(1e-6, s));
  };
  // Good packets keep their place relative to the last re-timed one (`offset`); a packet that
  // stepped back is clamped without dragging the rest along.
  const out: bigint[] = new Array(n);
  out[0] = early[0] ? ctx.repairStartNs : at(0);
  let offset = (out[0] ?? 0n) - at(0);
  for (let i = 1; i < n; i++) {
    const prev = out[i - 1] ?? 0n;
    // Crossing between missing and real times says nothing about the interval: draw one.
    if (early[i] !== early[i - 1] || inLongRun[i] || idle[i]) {
      out[i] = prev + drawIat(i);
      offset = (out[i] ?? 0n) - at(i);
      continue;
    }
    const candidate = at(i) + offset;
    out[i] = back[i] || candidate < prev - jitterNs ? prev : candidate;
  }
  for (let i = 0; i < n; i++) {
    const t = out[i] ?? 0n;
    if (t !== at(i)) {
      const reason = early[i]
        ? 'sample moved to a real capture time (inter-arrival times kept)'
        : inLongRun[i]
          ? 'run of identical timestamps spread with learned inter-arrival times'
          : idle[i]
            ? 'over-long silence replaced by a learned inter-arrival time'
            : back[i]
              ? 'clamped to the previous timestamp'
              : 'moved with the packets before it';
      walk.fix(i, (draft) => draft.setTimestamp('flow.timestamp', t, reason));
    }
  }
}
