import type { ImageTensor, LabelledSample } from '@netsynth/core';
import { analyseSample, averagePool } from '@netsynth/evalkit';

/** Largest IP packet the size scale assumes (sizes are divided by it). */
const SIZE_SCALE = 1500;
/** log10(µs + 1) of a 10 s gap is 7: the inter-arrival scale. */
const TIME_SCALE = 7;

/**
 * A sample as a point: for each of the first `length` packets, its size / 1500 signed by
 * direction (+ initiator → responder, − back) and log10(inter-arrival µs + 1) / 7 (0 for the
 * first packet); zeros past the end of the flow. Both halves lie in about [−1, 1].
 */
export function seriesVector(sample: LabelledSample, length: number): Float64Array {
  const a = analyseSample(sample);
  const v = new Float64Array(2 * length);
  for (let i = 0; i < Math.min(length, a.packetCount); i++) {
    const size = (a.packets[i]?.length ?? 0) / SIZE_SCALE;
    v[i] = a.directions[i] === 1 ? -size : size;
    v[length + i] = i === 0 ? 0 : Math.log10((a.interArrivals[i - 1] ?? 0) * 1e6 + 1) / TIME_SCALE;
  }
  return v;
}

/** Average-pools each channel to at most side × side values, so large encodings stay cheap to compare. */
export function imageVector(t: ImageTensor, side: number): Float64Array {
  const oh = Math.min(side, t.height);
  const ow = Math.min(side, t.width);
  const v = new Float64Array(t.channels * oh * ow);
  for (let c = 0; c < t.channels; c++) v.set(averagePool(t, c, oh, ow), c * oh * ow);
  return v;
}

/** Euclidean distance from each query to its nearest reference point (brute force). */
export function nearestDistances(queries: readonly Float64Array[], references: readonly Float64Array[]): number[] {
  return queries.map((q) => {
    let best = Infinity;
    for (const r of references) {
      let s = 0;
      for (let j = 0; j < q.length && s < best; j++) {
        const d = (q[j] as number) - ((r[j] as number) ?? 0);
        s += d * d;
      }
      if (s < best) best = s;
    }
    return Math.sqrt(best);
  });
}
