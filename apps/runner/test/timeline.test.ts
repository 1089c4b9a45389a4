import type { LabelledSample } from '@netsynth/core';
import { createRng } from '@netsynth/core';
import { craftSample } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import { learnArrivals, learnedShifts } from '../src/pipeline/timeline.js';

/** One flow of `label`: `packets` packets `gap` s apart from `start` s (ids `FILE#FLOW@0`). */
function flow(label: string, index: number, start: number, packets: number, gap: number): LabelledSample {
  return craftSample(
    `${label}.pcap#${index}@0`,
    label,
    Array.from({ length: packets }, (_, i) => ({
      timeSeconds: start + i * gap,
      src: i % 2 ? '10.77.0.1' : '10.0.0.1',
      dst: i % 2 ? '10.0.0.1' : '10.77.0.1',
      protocol: 'tcp' as const,
      length: 100,
      srcPort: i % 2 ? 443 : 40000 + index,
      dstPort: i % 2 ? 40000 + index : 443,
      ttl: 64,
      tcpFlags: 0x10,
    })),
  );
}

/** A class's real trace: `count` flows with exponential gaps of mean `meanGap` s from `from` s. */
function poissonTrace(label: string, count: number, from: number, meanGap: number, packets: number, gap: number, seed: number): LabelledSample[] {
  const rng = createRng(seed);
  let t = from;
  return Array.from({ length: count }, (_, f) => {
    const s = flow(label, f, t, packets, gap);
    t += -Math.log(1 - rng.next()) * meanGap;
    return s;
  });
}

interface Span {
  label: string;
  start: number;
  end: number;
}

/** The generated samples on the learned timeline, as (label, start, end) in seconds. */
function place(generated: readonly LabelledSample[], real: readonly LabelledSample[], seed = 7): Span[] {
  const samples = generated.map((s) => ({ label: s.label, packets: s.flow.packets }));
  const { shifts } = learnedShifts(samples, learnArrivals(real), seed);
  return samples.map((s, i) => {
    const times = s.packets.map((p) => Number(p.timestampNs + (shifts[i] as bigint)) / 1e9);
    return { label: s.label, start: Math.min(...times), end: Math.max(...times) };
  });
}

const spansOf = (samples: readonly LabelledSample[]): Span[] =>
  samples.map((s) => {
    const times = s.flow.packets.map((p) => Number(p.timestampNs) / 1e9);
    return { label: s.label, start: Math.min(...times), end: Math.max(...times) };
  });

/** Flows open at each flow's start (itself included), as the trace metrics count them. */
function concurrency(spans: readonly Span[]): number[] {
  return spans.map((f) => spans.filter((g) => g.start <= f.start && g.end >= f.start).length);
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const startGaps = (spans: readonly Span[]): number[] => {
  const starts = spans.map((s) => s.start).sort((a, b) => a - b);
  return starts.slice(1).map((t, i) => t - (starts[i] as number));
};

describe('learned timeline', () => {
  it('a busy capture: flows overlap as much as the real ones, at the real rate, when the generator makes 3× as many', () => {
    // Real: a flow every 0.1 s on average, each lasting 1 s (about 11 open at once).
    const real = poissonTrace('web', 200, 1000, 0.1, 11, 0.1, 1);
    // Generated: 600 flows of the same shape (their own times start anywhere).
    const generated = Array.from({ length: 600 }, (_, f) => flow('web', f, 5 + f * 0.37, 11, 0.1));
    const spans = place(generated, real);
    const realConc = mean(concurrency(spansOf(real)));
    const synConc = mean(concurrency(spans));
    expect(realConc).toBeGreaterThan(8);
    expect(synConc / realConc).toBeGreaterThan(0.85);
    expect(synConc / realConc).toBeLessThan(1.15);
    // The rate stays the real one: the span stretches with the count (3× the flows, ~3× the span).
    expect(mean(startGaps(spans)) / mean(startGaps(spansOf(real)))).toBeGreaterThan(0.85);
    expect(mean(startGaps(spans)) / mean(startGaps(spansOf(real)))).toBeLessThan(1.15);
    // Durations are the generated packets' own.
    expect(spans.every((s) => Math.abs(s.end - s.start - 1) < 1e-6)).toBe(true);
  });

  it('a capture of classes one after another: each class keeps its real rate, no flows overlap, classes stay apart', () => {
    // Real: class a from 0 s (20 flows, 0.5 s apart, 0.1 s long), then a 10 s pause, class b (10 flows, 1 s apart).
    const real = [
      ...Array.from({ length: 20 }, (_, f) => flow('a', f, 100 + 0.5 * f, 3, 0.05)),
      ...Array.from({ length: 10 }, (_, f) => flow('b', f, 119.6 + f, 3, 0.05)),
    ];
    // Generated: 60 of a (3× the real count) and 5 of b.
    const generated = [...Array.from({ length: 60 }, (_, f) => flow('a', f, 0, 3, 0.05)), ...Array.from({ length: 5 }, (_, f) => flow('b', f, 0, 3, 0.05))];
    const spans = place(generated, real);
    expect(Math.max(...concurrency(spans))).toBe(1);
    const a = spans.filter((s) => s.label === 'a');
    const b = spans.filter((s) => s.label === 'b');
    expect(Math.min(...a.map((s) => s.start))).toBeCloseTo(100, 6);
    expect(mean(startGaps(a))).toBeCloseTo(0.5, 6);
    expect(mean(startGaps(b))).toBeCloseTo(1, 6);
    // b starts the real pause (9.6 - 0.1 s) after a's stretched end.
    const aEnd = Math.max(...a.map((s) => s.end));
    expect(Math.min(...b.map((s) => s.start)) - aEnd).toBeCloseTo(119.6 - 109.6, 6);
  });

  it('one class after another: the pause before a class is the real one after the class just before it, shrunk or stretched', () => {
    // Real: a (20 flows, 0.5 s apart), 10 s pause, b (40 flows, 0.25 s apart), 5 s pause, c (10 flows, 1 s apart).
    const real = [
      ...Array.from({ length: 20 }, (_, f) => flow('a', f, 100 + 0.5 * f, 3, 0.05)),
      ...Array.from({ length: 40 }, (_, f) => flow('b', f, 119.6 + 0.25 * f, 3, 0.05)),
      ...Array.from({ length: 10 }, (_, f) => flow('c', f, 134.45 + f, 3, 0.05)),
    ];
    // Generated: a stretched (60 flows, 3×), b shrunk (10 flows, a quarter), c (5 flows).
    const generated = [
      ...Array.from({ length: 60 }, (_, f) => flow('a', f, 0, 3, 0.05)),
      ...Array.from({ length: 10 }, (_, f) => flow('b', f, 0, 3, 0.05)),
      ...Array.from({ length: 5 }, (_, f) => flow('c', f, 0, 3, 0.05)),
    ];
    const spans = place(generated, real);
    const of = (label: string) => spans.filter((s) => s.label === label);
    const first = (label: string) => Math.min(...of(label).map((s) => s.start));
    const last = (label: string) => Math.max(...of(label).map((s) => s.end));
    expect(Math.max(...concurrency(spans))).toBe(1);
    expect(first('b') - last('a')).toBeCloseTo(119.6 - 109.6, 6);
    // c follows the shrunk b by the real 5 s, not by the pause a's stretch would ask for (12 s).
    expect(first('c') - last('b')).toBeCloseTo(134.45 - 129.45, 6);
  });

  it('flows back to back in the capture stay back to back when the generated ones run longer: no overlap the capture did not have', () => {
    // Real: 20 flows 0.8 s long, each starting 0.01 s after the one before ended (pings in a row).
    const real = Array.from({ length: 20 }, (_, f) => flow('a', f, 50 + 0.81 * f, 9, 0.1));
    // Generated: twice as many, 1.5 s long.
    const generated = Array.from({ length: 40 }, (_, f) => flow('a', f, 0, 16, 0.1));
    const spans = place(generated, real).sort((x, y) => x.start - y.start);
    expect(Math.max(...concurrency(spans))).toBe(1);
    // Each starts the real idle time (0.01 s) after the one before ends.
    for (let i = 1; i < spans.length; i++) expect((spans[i] as Span).start - (spans[i - 1] as Span).end).toBeCloseTo(0.01, 6);
  });

  it('follows the time-of-trace profile: a burst in the capture is a burst at the same point of the generated trace', () => {
    // Real: 50 flows 0.01 s apart (a burst), then 50 flows 1 s apart.
    const real = [
      ...Array.from({ length: 50 }, (_, f) => flow('a', f, 10 + 0.01 * f, 2, 0.001)),
      ...Array.from({ length: 50 }, (_, f) => flow('a', 50 + f, 11 + f, 2, 0.001)),
    ];
    const generated = Array.from({ length: 100 }, (_, f) => flow('a', f, 0, 2, 0.001));
    const gaps = startGaps(place(generated, real));
    expect(mean(gaps.slice(0, 40))).toBeLessThan(0.1);
    expect(mean(gaps.slice(60))).toBeGreaterThan(0.8);
  });

  it('is seeded: same seed, same shifts; another seed, other gaps', () => {
    const real = poissonTrace('a', 50, 0, 0.2, 3, 0.01, 3);
    const generated = Array.from({ length: 30 }, (_, f) => flow('a', f, 0, 3, 0.01));
    expect(place(generated, real, 1)).toEqual(place(generated, real, 1));
    expect(place(generated, real, 1)).not.toEqual(place(generated, real, 2));
  });
});
