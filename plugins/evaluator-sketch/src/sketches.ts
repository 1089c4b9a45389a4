/** Frequency sketches of NetShare's heavy-hitter task, over string keys with integer weights. */

export interface FrequencySketch {
  add(key: string, weight: number): void;
  estimate(key: string): number;
}

/** 32-bit FNV-1a of a key mixed with a seed (fast, well spread for short strings). */
export function hash32(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche (murmur3 fmix32): FNV alone leaves the low bits correlated.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Depth rows of `width` counters, row i hashed with seed + i: the table Count-Min and Count Sketch share. */
export abstract class HashedRows implements FrequencySketch {
  protected readonly rows: Float64Array[];
  constructor(
    protected readonly width: number,
    depth: number,
    protected readonly seed: number,
  ) {
    this.rows = Array.from({ length: depth }, () => new Float64Array(width));
  }
  /** The counter of `key` in row i. */
  protected column(key: string, i: number): number {
    return hash32(key, this.seed + i) % this.width;
  }
  abstract add(key: string, weight: number): void;
  abstract estimate(key: string): number;
}

/** Count-Min (Cormode & Muthukrishnan): d rows of w counters; the estimate is the row minimum (never below the truth). */
export class CountMin extends HashedRows {
  add(key: string, weight: number): void {
    this.rows.forEach((row, i) => (row[this.column(key, i)]! += weight));
  }
  estimate(key: string): number {
    return Math.min(...this.rows.map((row, i) => row[this.column(key, i)]!));
  }
}

/** Count Sketch (Charikar et al.): signed counters; the estimate is the median of the rows' signed counts. */
export class CountSketch extends HashedRows {
  private cell(key: string, i: number): [number, number] {
    return [this.column(key, i), (hash32(key, this.seed + 1000 + i) & 1) === 0 ? 1 : -1];
  }
  add(key: string, weight: number): void {
    this.rows.forEach((row, i) => {
      const [at, sign] = this.cell(key, i);
      row[at]! += sign * weight;
    });
  }
  estimate(key: string): number {
    return Math.max(
      0,
      median(
        this.rows.map((row, i) => {
          const [at, sign] = this.cell(key, i);
          return sign * row[at]!;
        }),
      ),
    );
  }
}

/**
 * UnivMon (Liu et al., SIGCOMM 2016): L levels of Count Sketches; level j sees the keys whose
 * first j sampling hash bits are 1 (level 0 sees all). A key's count is read from the
 * deepest level that sees it, where fewer keys share its counters.
 */
export class UnivMon implements FrequencySketch {
  private readonly levels: CountSketch[];
  constructor(
    width: number,
    depth: number,
    levels: number,
    private readonly seed: number,
  ) {
    const w = Math.max(1, Math.floor(width / levels));
    this.levels = Array.from({ length: levels }, (_, j) => new CountSketch(w, depth, seed + 7919 * (j + 1)));
  }
  private deepest(key: string): number {
    const bits = hash32(key, this.seed ^ 0x5bd1e995);
    let j = 0;
    while (j + 1 < this.levels.length && ((bits >>> j) & 1) === 1) j++;
    return j;
  }
  add(key: string, weight: number): void {
    const d = this.deepest(key);
    for (let j = 0; j <= d; j++) this.levels[j]!.add(key, weight);
  }
  estimate(key: string): number {
    return this.levels[this.deepest(key)]!.estimate(key);
  }
}
