import { InvalidArgumentError } from '@netsynth/core';

/**
 * How a Jensen–Shannon figure is reported.
 * - base 2, 'divergence' (default): JS divergence in bits, in [0, 1]; disjoint supports give 1.
 * - base 'e', 'distance': SciPy's `jensenshannon` default (square root of the divergence in nats,
 *   in [0, √ln 2]). NetShare's paper-era code squares SciPy's figure, i.e. base 'e', 'divergence'.
 */
export interface JsdOptions {
  base?: 2 | 'e';
  form?: 'divergence' | 'distance';
}

/** Counts of categorical values; keys are any comparable value (number or string). */
export type CategoryCounts<K = number | string> = ReadonlyMap<K, number>;

export function countValues<K>(values: Iterable<K>): Map<K, number> {
  const counts = new Map<K, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function klTerm(p: number, m: number): number {
  return p > 0 ? p * Math.log(p / m) : 0;
}

function finish(divergenceNats: number, options: JsdOptions): number {
  const base = options.base ?? 2;
  // Float error can push the divergence a hair outside its true range [0, ln 2].
  const nats = Math.min(Math.max(0, divergenceNats), Math.LN2);
  const d = base === 2 ? nats / Math.LN2 : nats;
  return (options.form ?? 'divergence') === 'distance' ? Math.sqrt(d) : d;
}

/**
 * Jensen–Shannon between two probability vectors of the same length (they need not be
 * normalised: each is divided by its own sum). Returns null when either side is empty.
 */
export function jensenShannonVectors(a: ArrayLike<number>, b: ArrayLike<number>, options: JsdOptions = {}): number | null {
  if (a.length !== b.length) throw new InvalidArgumentError(`JSD needs vectors of one length, got ${a.length} and ${b.length}`);
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x < 0 || y < 0 || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new InvalidArgumentError(`JSD needs finite non-negative weights, got ${x} and ${y} at ${i}`);
    }
    sa += x;
    sb += y;
  }
  if (sa === 0 || sb === 0) return null;
  let js = 0;
  for (let i = 0; i < a.length; i++) {
    const p = (a[i] as number) / sa;
    const q = (b[i] as number) / sb;
    const m = (p + q) / 2;
    js += 0.5 * klTerm(p, m) + 0.5 * klTerm(q, m);
  }
  return finish(js, options);
}

/**
 * Jensen–Shannon between the frequency distributions of two categorical samples given as
 * counts. The support is the union of both key sets, which is the same as a histogram over
 * the field's whole domain (0–65535 for ports, 0–255 for protocol) since absent bins add 0.
 */
export function jensenShannonCounts<K>(a: CategoryCounts<K>, b: CategoryCounts<K>, options: JsdOptions = {}): number | null {
  const keys = new Set<K>([...a.keys(), ...b.keys()]);
  const va: number[] = [];
  const vb: number[] = [];
  for (const k of keys) {
    va.push(a.get(k) ?? 0);
    vb.push(b.get(k) ?? 0);
  }
  return jensenShannonVectors(va, vb, options);
}

/**
 * NetShare's address comparison: each side's counts sorted by popularity (most frequent
 * first) and compared rank by rank, so it measures whether the synthetic data has the
 * same skew of popular vs rare addresses, not whether it reuses the same addresses.
 */
export function jensenShannonRankCounts<K>(a: CategoryCounts<K>, b: CategoryCounts<K>, options: JsdOptions = {}): number | null {
  const ra = [...a.values()].sort((x, y) => y - x);
  const rb = [...b.values()].sort((x, y) => y - x);
  const n = Math.max(ra.length, rb.length);
  while (ra.length < n) ra.push(0);
  while (rb.length < n) rb.push(0);
  return jensenShannonVectors(ra, rb, options);
}
