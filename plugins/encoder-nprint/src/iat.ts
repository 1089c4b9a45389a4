/**
 * Inter-arrival times in a tensor. nPrint rows have no time; netsynth carries the gap
 * to the previous packet of the sample (µs, 0 for the first) so generated traffic gets
 * timing. Gaps span 1 µs … minutes, so they are log-scaled:
 *
 *   v = ln(1 + µs) / ln(1 + maxUs), clipped to [0, 1];  tensor value = 2v − 1 ∈ [−1, 1]
 *
 * −1 is a zero gap (and padding rows), +1 is maxUs or more. Decoding inverts it and rounds
 * to whole µs; float32 keeps the gap to about 1e-6 relative.
 */
export const DEFAULT_IAT_MAX_US = 60_000_000;

export function iatToUnit(us: number, maxUs: number = DEFAULT_IAT_MAX_US): number {
  if (!(us > 0)) return -1;
  const v = Math.log1p(us) / Math.log1p(maxUs);
  return v >= 1 ? 1 : 2 * v - 1;
}

export function unitToIat(value: number, maxUs: number = DEFAULT_IAT_MAX_US): number {
  if (!Number.isFinite(value)) return 0;
  const v = Math.min(1, Math.max(0, (value + 1) / 2));
  return Math.max(0, Math.round(Math.expm1(v * Math.log1p(maxUs))));
}

/**
 * Gaps (µs) between consecutive timestamps (ns), as nprint's `rts` column: both times cut
 * to whole µs first (nprint reads captures at µs precision), the first gap 0. A capture
 * out of time order gives a negative gap, as in nprint.
 */
export function gapsUs(timestampsNs: readonly bigint[]): number[] {
  return timestampsNs.map((t, i) => (i === 0 ? 0 : Number(floorDiv(t, 1000n) - floorDiv(timestampsNs[i - 1] as bigint, 1000n))));
}

/** A timestamp (ns) cut to whole µs, rounding down. */
export function floorUs(ns: bigint): bigint {
  return floorDiv(ns, 1000n);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Timestamps (ns, from 0) from gaps in µs. */
export function timestampsFromGaps(gapsMicro: readonly number[]): bigint[] {
  let t = 0n;
  return gapsMicro.map((g, i) => {
    if (i > 0) t += BigInt(Math.max(0, Math.round(g))) * 1000n;
    return t;
  });
}
