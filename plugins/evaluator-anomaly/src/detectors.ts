import type { Rng } from '@netsynth/core';
import { standardiser } from './features.js';

/** A trained anomaly detector: higher score = more anomalous. */
export type Detector = (x: number[]) => number;

/** Average path length of an unsuccessful search in a binary search tree of n points (Liu et al.'s c(n)). */
function c(n: number): number {
  return n <= 1 ? 0 : 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

type Node = { size: number } | { feature: number; split: number; left: Node; right: Node };

function grow(rows: number[][], depth: number, limit: number, rng: Rng): Node {
  if (depth >= limit || rows.length <= 1) return { size: rows.length };
  const d = rows[0]!.length;
  // Features constant in this node cannot split it; pick among the others.
  const candidates: number[] = [];
  for (let f = 0; f < d; f++) if (rows.some((r) => r[f] !== rows[0]![f])) candidates.push(f);
  if (candidates.length === 0) return { size: rows.length };
  const feature = candidates[rng.int(candidates.length)]!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r[feature]!);
    hi = Math.max(hi, r[feature]!);
  }
  const split = lo + rng.next() * (hi - lo);
  const left = rows.filter((r) => r[feature]! < split);
  const right = rows.filter((r) => r[feature]! >= split);
  return { feature, split, left: grow(left, depth + 1, limit, rng), right: grow(right, depth + 1, limit, rng) };
}

function pathLength(node: Node, x: number[], depth: number): number {
  if ('size' in node) return depth + c(node.size);
  return pathLength(x[node.feature]! < node.split ? node.left : node.right, x, depth + 1);
}

/** Isolation forest (Liu, Ting & Zhou 2008): score 2^(−E[h(x)] / c(ψ)). */
export function isolationForest(rows: readonly number[][], trees: number, subsample: number, rng: Rng): Detector {
  const psi = Math.min(subsample, rows.length);
  const limit = Math.ceil(Math.log2(Math.max(psi, 2)));
  const forest: Node[] = [];
  for (let t = 0; t < trees; t++) {
    const sample: number[][] = [];
    for (let i = 0; i < psi; i++) sample.push(rows[rng.int(rows.length)]!);
    forest.push(grow(sample, 0, limit, rng));
  }
  const norm = c(psi) || 1;
  return (x) => 2 ** (-forest.reduce((s, tree) => s + pathLength(tree, x, 0), 0) / forest.length / norm);
}

/** Cholesky factor L (lower) of a symmetric positive-definite matrix. */
function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j]![j]!;
    }
  }
  return l;
}

/**
 * One-class Gaussian (NetML's single-component GMM): the squared Mahalanobis distance to the
 * training records' mean, with a small ridge so one-hot features that never vary stay invertible.
 */
export function oneClassGaussian(rows: readonly number[][]): Detector {
  const scale = standardiser(rows as number[][]);
  const z = rows.map(scale);
  const d = z[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  for (const r of z) r.forEach((v, i) => (mean[i]! += v / z.length));
  const cov = mean.map((_, i) => mean.map((__, j) => (i === j ? 1e-3 : 0)));
  for (const r of z) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i]![j]! += ((r[i]! - mean[i]!) * (r[j]! - mean[j]!)) / z.length;
  const l = cholesky(cov);
  return (x) => {
    const v = scale(x).map((xi, i) => xi - mean[i]!);
    // Solve L y = v; the distance is |y|².
    const y = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) {
      let s = v[i]!;
      for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
      y[i] = s / l[i]![i]!;
    }
    return y.reduce((s, t) => s + t * t, 0);
  };
}
