import type { BitValue } from './bits.js';

/**
 * Inter-arrival time as bit columns. The IAT channel (iat.ts) is a fourth tensor channel,
 * which an RGB image model (Stable Diffusion on NetDiffusion's red/green/blue picture)
 * cannot generate: it comes back as its fill value and every synthetic gap is the same
 * (0 with the default fill). Timing columns put the gap among the bits instead, so any
 * model that generates the bit cells generates the gap too.
 *
 * The gap is log-scaled as the IAT channel (`v = ln(1+µs) / ln(1+maxUs)`, clipped to
 * [0, 1]) and quantised to `n + 1` levels `k = round(v·n)`, written as a thermometer code:
 * the first `k` columns 1, the rest 0 (padding rows: all −1, as every other bit). Decoding
 * counts the 1 cells rather than reading a prefix, so one wrong cell in a generated row
 * moves the gap one level (a factor `(1+maxUs)^(1/n)`), never across the scale as one flipped
 * high bit of a binary number would.
 */
export function timingLevel(us: number, columns: number, maxUs: number): number {
  if (!(us > 0) || columns <= 0) return 0;
  const v = Math.min(1, Math.log1p(us) / Math.log1p(maxUs));
  return Math.round(v * columns);
}

/** The gap (µs, whole) at the middle of level k's log interval; level 0 is a zero gap. */
export function levelToGapUs(level: number, columns: number, maxUs: number): number {
  if (level <= 0 || columns <= 0) return 0;
  const v = Math.min(level, columns) / columns;
  return Math.max(1, Math.round(Math.expm1(v * Math.log1p(maxUs))));
}

/** Writes the thermometer code of a gap (or padding, gapUs null) into `out[offset…offset+columns)`. */
export function writeTimingBits(out: Int8Array | BitValue[], offset: number, columns: number, gapUs: number | null, maxUs: number): void {
  const level = gapUs === null ? -1 : timingLevel(gapUs, columns, maxUs);
  for (let i = 0; i < columns; i++) out[offset + i] = level < 0 ? -1 : i < level ? 1 : 0;
}

/** Timing bits (1 / 0 / −1 cells) → gap in µs: the count of 1 cells is the level. */
export function timingBitsToGapUs(bits: ArrayLike<number>, offset: number, columns: number, maxUs: number): number {
  let level = 0;
  for (let i = 0; i < columns; i++) if (bits[offset + i] === 1) level++;
  return levelToGapUs(level, columns, maxUs);
}

/** Names of the timing columns, after nprint's `<field>_<bit>` column names. */
export function timingColumnNames(columns: number): string[] {
  return Array.from({ length: columns }, (_, i) => `iat_level_${i}`);
}
