/**
 * NetShare's time chunks, as plain arithmetic: the trace's start times split into N equal
 * intervals, each sample tagged with the chunk it starts in, plus the flow tag of samples that
 * started in an earlier chunk and are still running when a later one begins. Sampling spreads a
 * label's samples over the chunks in proportion to the real starts, by a sequence that depends
 * on the sample index alone (so shards of a run pick the same chunk for the same sample).
 */

/** Label suffix of the flow tag "started in an earlier chunk, continues into this one". */
export const CONTINUES = ' ↻continues';

export interface ChunkMember {
  /** Index of the sample in the training set. */
  sample: number;
  /** True for a flow that started in an earlier chunk and continues into this one. */
  continues: boolean;
}

export interface Chunk {
  index: number;
  /** [start, end] in seconds since the epoch (the last chunk's end is the latest start). */
  seconds: [number, number];
  members: ChunkMember[];
  /** Samples per label that start in this chunk: sampling's weights. */
  starts: Record<string, number>;
}

/** Chunk of a start time: equal intervals of [lo, hi], the latest start in the last one. */
export function chunkOf(start: number, lo: number, hi: number, count: number): number {
  if (!(hi > lo)) return 0;
  return Math.min(count - 1, Math.max(0, Math.floor(((start - lo) / (hi - lo)) * count)));
}

/**
 * Splits samples by start time into `count` chunks. `ends[i]` (start + duration, seconds) gives
 * the flow tags: a sample is also a `continues` member of every later chunk that begins before
 * it ends. Without `ends` (or with `tags` false) there are no such members.
 */
export function planChunks(starts: readonly number[], labels: readonly string[], count: number, ends?: readonly number[], tags = true): Chunk[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of starts) {
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  const width = hi > lo ? (hi - lo) / count : 0;
  const edge = (k: number): number => (k === count ? hi : lo + k * width);
  const chunks: Chunk[] = Array.from({ length: count }, (_, k) => ({ index: k, seconds: [edge(k), edge(k + 1)], members: [], starts: {} }));
  starts.forEach((s, i) => {
    const k = chunkOf(s, lo, hi, count);
    const own = chunks[k] as Chunk;
    own.members.push({ sample: i, continues: false });
    const label = labels[i] as string;
    own.starts[label] = (own.starts[label] ?? 0) + 1;
    if (!tags || !ends || width === 0) return;
    const end = ends[i] as number;
    for (let j = k + 1; j < count && end > edge(j); j++) (chunks[j] as Chunk).members.push({ sample: i, continues: true });
  });
  // A chunk's own starts first, then the flows continuing into it, each in sample order.
  for (const c of chunks) c.members.sort((a, b) => Number(a.continues) - Number(b.continues) || a.sample - b.sample);
  return chunks;
}

/**
 * The chunk of each of the first `n` samples of a label, by smooth weighted round robin over
 * the chunks' weights (their real start counts): every prefix holds each chunk's share to
 * within one sample, and sample k's chunk does not depend on how many samples are asked for.
 * All weights zero: no chunk (an empty list).
 */
export function chunkSequence(weights: readonly number[], n: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return [];
  const current = weights.map(() => 0);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let best = -1;
    weights.forEach((w, c) => {
      current[c] = (current[c] as number) + w;
      if (w > 0 && (best < 0 || (current[c] as number) > (current[best] as number))) best = c;
    });
    current[best] = (current[best] as number) - total;
    out.push(best);
  }
  return out;
}
