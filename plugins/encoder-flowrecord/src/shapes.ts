/**
 * Per-class packet shapes learned in fit: how real flows of a class spread their bytes and time
 * over their packets (sizes relative to the flow's mean packet size, gaps relative to its
 * duration, and who sends each packet). A record only gives totals; decode draws one of the
 * class's shapes whose totals are closest to the record's (a nearest-neighbour conditional
 * distribution) and scales it to the record, instead of splitting bytes and time evenly.
 */
import type { Direction, LabelledSample } from '@netsynth/core';
import { ipLength } from '@netsynth/pcap';

/** One real flow's shape: per-packet size / mean size, gap / duration, direction, at most MAX_POINTS packets. */
export interface FlowShape {
  /** log(packets), log(mean IP bytes per packet) and the initiator's share of packets: what a record is matched on. */
  key: [number, number, number];
  size: number[];
  gap: number[];
  dir: Direction[];
}

export type ShapeBank = Record<string, FlowShape[]>;

/** Packets kept per shape (longer flows are resampled) and shapes kept per class: bounded state size. */
const MAX_POINTS = 64;
const MAX_SHAPES = 256;
/** Candidates a record draws from: several, so decode does not copy a single real flow. */
const NEAREST = 5;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Index of the source point for point i of n when a shape of m points is stretched or shrunk. */
const at = (i: number, n: number, m: number): number => (n <= 1 || m <= 1 ? 0 : Math.round((i * (m - 1)) / (n - 1)));

/** The shape of one sample's packets, or undefined for record-only samples and flows under 2 packets. */
export function shapeOf(sample: LabelledSample): FlowShape | undefined {
  const { packets, directions } = sample.flow;
  if (packets.length < 2) return undefined;
  const sizes = packets.map((p) => ipLength(p));
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const times = packets.map((p) => Number(p.timestampNs));
  const td = Math.max(0, times[times.length - 1]! - times[0]!);
  const m = Math.min(MAX_POINTS, packets.length);
  const idx = Array.from({ length: m }, (_, i) => at(i, m, packets.length));
  return {
    key: [Math.log(packets.length), Math.log(Math.max(1, mean)), directions.filter((d) => d === 0).length / packets.length],
    size: idx.map((j) => round3(sizes[j]! / Math.max(1, mean))),
    // Gap before packet j (0 for the first), as a share of the flow's duration.
    gap: idx.map((j) => (j === 0 || td === 0 ? 0 : round3((times[j]! - times[j - 1]!) / td))),
    dir: idx.map((j) => directions[j] ?? 0),
  };
}

/** Shapes per label from the training samples (evenly thinned to MAX_SHAPES per label, in input order). */
export function learnShapes(samples: readonly LabelledSample[]): ShapeBank {
  const all: Record<string, FlowShape[]> = {};
  for (const s of samples) {
    const shape = shapeOf(s);
    if (shape) (all[s.label] ??= []).push(shape);
  }
  const bank: ShapeBank = {};
  for (const [label, shapes] of Object.entries(all)) {
    const keep = Math.min(MAX_SHAPES, shapes.length);
    bank[label] = Array.from({ length: keep }, (_, i) => shapes[Math.floor((i * shapes.length) / keep)]!);
  }
  return bank;
}

/** FNV-1a over the record's totals: a deterministic choice among the nearest shapes (same record → same packets). */
function pick(values: readonly number[], n: number): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    for (const c of v.toFixed(6)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  }
  return h % n;
}

/** The shape of `label` for a flow of `packets` packets and `bytes` bytes, or undefined when fit learned none. */
export function shapeFor(bank: ShapeBank, label: string, packets: number, bytes: number, duration: number, upShare: number): FlowShape | undefined {
  const shapes = bank[label];
  if (!shapes?.length) return undefined;
  const key = [Math.log(Math.max(1, packets)), Math.log(Math.max(1, bytes / Math.max(1, packets))), upShare];
  const ranked = shapes
    .map((s, i) => ({ i, d: s.key.reduce((sum, k, j) => sum + (k - key[j]!) ** 2, 0) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, NEAREST);
  return shapes[ranked[pick([packets, bytes, duration], ranked.length)]!.i];
}

/**
 * The shape stretched to n packets: relative sizes, gaps (summing to 1 after the first) and
 * directions; the first packet is the initiator's and `ups` of the n are (the record's share:
 * the shape's directions are flipped from the end until the count matches).
 */
export function stretch(shape: FlowShape, n: number, ups: number): { size: number[]; gap: number[]; dir: Direction[] } {
  const m = shape.size.length;
  const size = Array.from({ length: n }, (_, i) => shape.size[at(i, n, m)]!);
  const raw = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : (shape.gap[Math.max(1, at(i, n, m))] ?? 0)));
  const total = raw.reduce((a, b) => a + b, 0);
  const gap = raw.map((g, i) => (i === 0 ? 0 : total > 0 ? g / total : 1 / Math.max(1, n - 1)));
  const dir = Array.from({ length: n }, (_, i): Direction => (i === 0 ? 0 : shape.dir[at(i, n, m)]!));
  let have = dir.filter((d) => d === 0).length;
  for (let i = n - 1; i > 0 && have !== ups; i--) {
    if (have < ups && dir[i] === 1) [dir[i], have] = [0, have + 1];
    else if (have > ups && dir[i] === 0) [dir[i], have] = [1, have - 1];
  }
  return { size, gap, dir };
}

/** `total` bytes over packets in proportion to `weights`, each in [min, max], summing to the clamped total. */
export function splitByWeights(total: number, weights: readonly number[], min: number, max: number): number[] {
  const n = weights.length;
  const target = Math.min(n * max, Math.max(n * min, total));
  const positive = weights.reduce((a, b) => a + Math.max(0, b), 0);
  // No usable weights: an even split.
  const w = positive > 0 ? weights.map((x) => Math.max(0, x) / positive) : weights.map(() => 1 / n);
  const sizes = w.map((x) => Math.min(max, Math.max(min, Math.round(x * target))));
  // Clamping and rounding move the sum: hand the difference out over the packets with room.
  let diff = target - sizes.reduce((a, b) => a + b, 0);
  while (diff !== 0) {
    const room = (i: number): number => (diff > 0 ? max - sizes[i]! : sizes[i]! - min);
    const open = sizes.map((_, i) => i).filter((i) => room(i) > 0);
    if (open.length === 0) break;
    const share = Math.ceil(Math.abs(diff) / open.length);
    for (const i of open) {
      const step = Math.sign(diff) * Math.min(Math.abs(diff), room(i), share);
      sizes[i] = sizes[i]! + step;
      diff -= step;
    }
  }
  return sizes;
}
