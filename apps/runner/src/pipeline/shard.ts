import { InvalidArgumentError, type GeneratedSample } from '@netsynth/core';

/** Share `index` (1-based) of `count` equal shares of the generated samples (`netsynth run --shard K/N`). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `K/N` (1 ≤ K ≤ N). */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError(
      `${flag} ${text}: expected K/N with 1 ≤ K ≤ N, e.g. 2/8 (a Kubernetes Indexed Job: $((JOB_COMPLETION_INDEX + 1))/N; a Slurm array --array=1-N: $SLURM_ARRAY_TASK_ID/N)`,
    );
  }
  return { index, count };
}

/** The contiguous index range of `n` items that share K of N gets: the shares differ by at most one item and cover 0..n−1 once. */
export function shareOf(n: number, shard: Shard): { first: number; count: number } {
  const first = Math.floor((n * (shard.index - 1)) / shard.count);
  const end = Math.floor((n * shard.index) / shard.count);
  return { first, count: end - first };
}

/** Share K of N of a sorted list (capture files for `netsynth encode --shard`). */
export function shareOfList<T>(items: readonly T[], shard: Shard): T[] {
  const { first, count } = shareOf(items.length, shard);
  return items.slice(first, first + count);
}

/** Per label: how many samples this share makes and the index of its first one (the whole request without a shard). */
export function shardRequest(
  perLabel: Readonly<Record<string, number>>,
  shard: Shard | undefined,
): { perLabel: Record<string, number>; first: Record<string, number> } {
  const out: Record<string, number> = {};
  const first: Record<string, number> = {};
  for (const [label, n] of Object.entries(perLabel)) {
    const share = shard ? shareOf(n, shard) : { first: 0, count: n };
    out[label] = share.count;
    first[label] = share.first;
  }
  return { perLabel: out, first };
}

/** A generated sample with its index within its label (the k of its id `label#k`). */
export interface IndexedSample extends GeneratedSample {
  k: number;
}

/**
 * The shards' samples in the order one process makes them: labels in request order, each
 * label's samples by index. Every label must come back whole (indices 0 … n−1 once) or not at
 * all (a generator skips labels its model does not know, in one process as in shards).
 */
export function mergeShares(samples: readonly IndexedSample[], perLabel: Readonly<Record<string, number>>): GeneratedSample[] {
  const byLabel = new Map<string, IndexedSample[]>();
  for (const s of samples) {
    if (!(s.label in perLabel)) throw new InvalidArgumentError(`the shards hold samples of label "${s.label}", which the config does not ask for`);
    const list = byLabel.get(s.label) ?? [];
    list.push(s);
    byLabel.set(s.label, list);
  }
  const out: GeneratedSample[] = [];
  for (const [label, n] of Object.entries(perLabel)) {
    const list = (byLabel.get(label) ?? []).sort((a, b) => a.k - b.k);
    if (list.length === 0) continue;
    const wrong = list.findIndex((s, i) => s.k !== i);
    if (list.length !== n || wrong >= 0) {
      throw new InvalidArgumentError(
        `the shards hold ${list.length} of the ${n} samples of label "${label}"${wrong >= 0 ? ` (index ${wrong} is missing or repeated)` : ''}: is a shard missing, or from another run?`,
      );
    }
    for (const s of list) out.push({ label: s.label, tensor: s.tensor });
  }
  return out;
}
