/** Value → count tables, the JSON-friendly histograms class profiles keep. */
import type { Rng } from '@netsynth/core';
import { bitDistance } from './bits.js';

export type Counts = Record<string, number>;

/** Adds one observation; past `cap` distinct values new ones are not recorded (the count of kept ones still grows). */
export function bump(c: Counts, key: string | number, cap = Infinity): void {
  const k = String(key);
  if (c[k] !== undefined) c[k] += 1;
  else if (Object.keys(c).length < cap) c[k] = 1;
}

export function distinct(c: Counts): number {
  return Object.keys(c).length;
}

/** The most frequent key (ties: the smallest key in string order, for determinism). */
export function mode(c: Counts): string | undefined {
  let best: string | undefined;
  for (const k of Object.keys(c).sort()) if (best === undefined || (c[k] as number) > (c[best] as number)) best = k;
  return best;
}

/** A key drawn with probability proportional to its count. */
export function draw(c: Counts, rng: Rng): string | undefined {
  const keys = Object.keys(c).sort();
  const total = keys.reduce((s, k) => s + (c[k] as number), 0);
  if (total <= 0) return undefined;
  let r = rng.next() * total;
  for (const k of keys) {
    r -= c[k] as number;
    if (r < 0) return k;
  }
  return keys[keys.length - 1];
}

/** The numeric key nearest `value` by `distance` (ties: the more frequent), or undefined when empty. */
export function nearest(c: Counts, value: number, distance: (a: number, b: number) => number = (a, b) => Math.abs(a - b)): number | undefined {
  let best: number | undefined;
  let bestD = Infinity;
  for (const k of Object.keys(c).sort()) {
    const v = Number(k);
    const d = distance(v, value);
    if (d < bestD || (d === bestD && best !== undefined && (c[k] as number) > (c[String(best)] as number))) {
      best = v;
      bestD = d;
    }
  }
  return best;
}

/** Differing bits among the low 16 (port numbers). */
export function hamming16(a: number, b: number): number {
  return bitDistance(a, b, 16);
}
