/**
 * Learned value distributions. Repairs draw from these so that a fixed field gets a value
 * real traffic uses (a TTL of 64, a window of 64240) instead of random bits. Iteration is in
 * sorted key order so that sampling with a seeded Rng is reproducible.
 */
import type { JsonValue, Rng } from '@netsynth/core';

export type HistogramKey = number | string;

export class Histogram<K extends HistogramKey> {
  private readonly counts = new Map<K, number>();
  private sortedCache: [K, number][] | undefined;
  private totalCount = 0;

  add(key: K, weight = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + weight);
    this.totalCount += weight;
    this.sortedCache = undefined;
  }

  get total(): number {
    return this.totalCount;
  }

  get size(): number {
    return this.counts.size;
  }

  count(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  has(key: K): boolean {
    return this.counts.has(key);
  }

  /** Entries in ascending key order. */
  entries(): [K, number][] {
    if (!this.sortedCache) {
      this.sortedCache = [...this.counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    return this.sortedCache;
  }

  /** The most frequent key (the smallest one on ties); undefined when empty. */
  mode(): K | undefined {
    let best: K | undefined;
    let bestCount = -1;
    for (const [k, c] of this.entries()) {
      if (c > bestCount) {
        best = k;
        bestCount = c;
      }
    }
    return best;
  }

  /** A key drawn with probability proportional to its count; undefined when empty. */
  sample(rng: Rng): K | undefined {
    if (this.totalCount <= 0) return undefined;
    let r = rng.next() * this.totalCount;
    const entries = this.entries();
    for (const [k, c] of entries) {
      r -= c;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]?.[0];
  }

  /** Among keys accepted by `filter`, the one scoring lowest by `distance` (ties: most frequent). */
  closest(distance: (key: K) => number, filter: (key: K) => boolean = () => true): K | undefined {
    let best: K | undefined;
    let bestD = Infinity;
    let bestC = -1;
    for (const [k, c] of this.entries()) {
      if (!filter(k)) continue;
      const d = distance(k);
      if (d < bestD || (d === bestD && c > bestC)) {
        best = k;
        bestD = d;
        bestC = c;
      }
    }
    return best;
  }

  merge(other: Histogram<K>): void {
    for (const [k, c] of other.entries()) this.add(k, c);
  }

  toJSON(): JsonValue {
    return this.entries().map(([k, c]) => [k, c]);
  }

  static fromEntries<K extends HistogramKey>(entries: Iterable<readonly [K, number]>): Histogram<K> {
    const h = new Histogram<K>();
    for (const [k, c] of entries) h.add(k, c);
    return h;
  }
}

/**
 * A bounded sample of a continuous quantity (inter-arrival times, round trips). When full it
 * keeps every other value and halves its intake rate, so memory stays bounded and the kept
 * values stay spread over the whole input, deterministically.
 */
export class NumericSample {
  private values: number[] = [];
  private stride = 1;
  private seen = 0;
  private sorted: number[] | undefined;

  constructor(private readonly capacity = 8192) {}

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.seen++ % this.stride !== 0) return;
    this.values.push(value);
    this.sorted = undefined;
    if (this.values.length >= this.capacity) {
      this.values = this.values.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  get size(): number {
    return this.values.length;
  }

  private ordered(): number[] {
    if (!this.sorted) this.sorted = [...this.values].sort((a, b) => a - b);
    return this.sorted;
  }

  /** Linear-interpolated quantile, q in [0, 1]; undefined when empty. */
  quantile(q: number): number | undefined {
    const s = this.ordered();
    if (s.length === 0) return undefined;
    const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(s.length - 1, lo + 1);
    const a = s[lo] ?? 0;
    const b = s[hi] ?? a;
    return a + (b - a) * (pos - lo);
  }

  /** A value drawn from the empirical distribution (inverse-CDF with interpolation). */
  sample(rng: Rng): number | undefined {
    return this.quantile(rng.next());
  }

  merge(other: NumericSample): void {
    for (const v of other.values) this.add(v);
  }

  toJSON(): JsonValue {
    return this.ordered().slice();
  }

  static fromValues(values: Iterable<number>, capacity?: number): NumericSample {
    const s = new NumericSample(capacity);
    for (const v of values) s.add(v);
    return s;
  }
}
