import type { Rng } from '@netsynth/core';
import { InvalidArgumentError } from '@netsynth/core';

export interface SplitIndices {
  train: number[];
  test: number[];
}

/**
 * Stratified split: within each label, a seeded shuffle and `testFraction` of the items
 * (rounded, at least one when a label has two or more items) go to test. Labels are visited
 * in sorted order so the result does not depend on input order of labels. Indices come back
 * sorted.
 */
export function stratifiedSplit(labels: readonly string[], testFraction: number, rng: Rng): SplitIndices {
  if (!(testFraction > 0 && testFraction < 1)) throw new InvalidArgumentError(`testFraction must lie in (0, 1), got ${testFraction}`);
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byLabel.get(l);
    if (list) list.push(i);
    else byLabel.set(l, [i]);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const idx = rng.fork(label).shuffle([...(byLabel.get(label) as number[])]);
    let nTest = Math.round(idx.length * testFraction);
    if (idx.length >= 2) nTest = Math.min(Math.max(nTest, 1), idx.length - 1);
    else nTest = 0;
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** Seeded choice of at most `n` items (all of them, in order, when there are fewer). */
export function sampleAtMost<T>(items: readonly T[], n: number, rng: Rng): T[] {
  if (items.length <= n) return [...items];
  const idx = rng
    .shuffle(items.map((_, i) => i))
    .slice(0, n)
    .sort((a, b) => a - b);
  return idx.map((i) => items[i] as T);
}
