/**
 * Per-flow summaries of the per-packet fields, and the decode step that holds generated packets
 * to them (README "Flow summaries").
 *
 * A diffusion model's error on one packet position is close to independent of its error on the
 * next, so a generated flow mixes what different flows of the class did: a gap or a size from
 * the tail of the class's distribution lands in almost every flow, a packet or two flips
 * direction and takes the other side's sizes, a position drops out. Per-flow channels repeated
 * at every position (as the protocol and ports are) come back from the average over positions
 * with that error divided down, so the encoding carries the flow's packet count, its share of
 * packets sent back, and the mean and spread (on the [-1, 1] scale of the scaler) of each scaled
 * field per direction; decode keeps the generated order of the packets' values and gives them
 * the flow's count, direction share, mean and spread (the hierarchy NetShare has between flow
 * attributes and packet series, here inside one sample).
 */
import type { Direction } from '@netsynth/core';
import type { PacketRow } from './rows.js';
import type { FieldScaler, ScaledField } from './scaling.js';

/** Fields whose per-direction mean and spread are flow channels (the ones decode builds packets from). */
export const SUMMARISED_FIELDS = ['payloadLength', 'iat', 'window'] as const satisfies readonly ScaledField[];
type SummarisedField = (typeof SUMMARISED_FIELDS)[number];

/** Flow-summary channel names, in order: count, back share, then mean and spread per field and direction. */
export const FLOW_SUMMARY_FIELDS: readonly string[] = [
  'flow.packets',
  'flow.backShare',
  ...SUMMARISED_FIELDS.flatMap((f) => [0, 1].flatMap((d) => [`flow.${f}.${d === 0 ? 'fwd' : 'back'}.mean`, `flow.${f}.${d === 0 ? 'fwd' : 'back'}.spread`])),
];

/** Where the summarised per-packet values live in the field-major tensor (channel of each). */
export interface SummaryChannels {
  present: number;
  direction: number;
  fields: Record<SummarisedField, number>;
  /** First flow-summary channel. */
  summary: number;
}

/** The gap of a flow's first packet is 0 by construction: it says nothing about the flow's gaps. */
const counts = (f: SummarisedField, i: number): boolean => f !== 'iat' || i > 0;

function moments(v: readonly number[]): { mean: number; std: number } {
  if (v.length === 0) return { mean: 0, std: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
}

const clamp = (x: number): number => Math.min(1, Math.max(-1, x));

/** The flow-summary values of a sample's rows (FLOW_SUMMARY_FIELDS order), each in [-1, 1]. */
export function summaryValues(rows: readonly PacketRow[], positions: number, s: FieldScaler): number[] {
  const n = rows.length;
  const back = rows.filter((r) => r.direction === 1).length;
  const out = [s.countToUnit(n, positions), n > 0 ? s.shareToUnit(back / n) : -1];
  for (const f of SUMMARISED_FIELDS) {
    for (const d of [0, 1] as Direction[]) {
      const u = rows.flatMap((r, i) => (r.direction === d && counts(f, i) ? [s.toUnit(f, d, r)] : []));
      const m = moments(u);
      // No packet that way: -1, as padding reads.
      out.push(u.length ? m.mean : -1, u.length ? clamp(2 * m.std - 1) : -1);
    }
  }
  return out;
}

/**
 * Generated values (field-major, a copy is returned) held to their own flow summary: the first
 * `packets` positions are present, the `backShare` of them with the lowest direction values go
 * back, the first positions then take the `opening` directions (the initiator sends first), and
 * each summarised field's values of one direction are shifted and scaled (their order kept) to
 * that direction's mean and spread. Values that already match (an encoded real flow)
 * are left as they are, so a round trip stays exact.
 */
export function holdToSummary(
  values: ArrayLike<number>,
  positions: number,
  ch: SummaryChannels,
  s: Pick<FieldScaler, 'countFromUnit' | 'shareFromUnit'>,
  opening: readonly Direction[] = [],
): Float32Array {
  const out = Float32Array.from(values as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : -1));
  const at = (c: number, i: number): number => out[c * positions + i] as number;
  const summary = (k: number): number => {
    let sum = 0;
    for (let i = 0; i < positions; i++) sum += at(ch.summary + k, i);
    return sum / positions;
  };
  const n = s.countFromUnit(summary(0), positions);
  const back = Math.min(n, Math.max(0, Math.round(s.shareFromUnit(summary(1)) * n)));
  for (let i = 0; i < positions; i++) out[ch.present * positions + i] = i < n ? 1 : -1;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(ch.direction, a) - at(ch.direction, b) || a - b);
  const dirs: Direction[] = new Array<Direction>(n).fill(0);
  order.slice(0, back).forEach((i) => (dirs[i] = 1));
  // The opening's directions win (opening.ts), before the per-direction values are held.
  opening.forEach((d, i) => {
    if (i < n) dirs[i] = d;
  });
  dirs.forEach((d, i) => {
    // A real flow's ±1 directions stay; only a position on the wrong side of 0 is flipped.
    if ((at(ch.direction, i) > 0 ? 0 : 1) !== d) out[ch.direction * positions + i] = d === 0 ? 1 : -1;
  });
  SUMMARISED_FIELDS.forEach((f, fi) => {
    for (const d of [0, 1] as Direction[]) {
      const idx = dirs.flatMap((x, i) => (x === d && counts(f, i) ? [i] : []));
      if (idx.length === 0) continue;
      const target = { mean: summary(2 + 4 * fi + 2 * d), std: (summary(3 + 4 * fi + 2 * d) + 1) / 2 };
      const c = ch.fields[f];
      const have = moments(idx.map((i) => at(c, i)));
      if (Math.abs(have.mean - target.mean) < 1e-4 && Math.abs(have.std - target.std) < 1e-4) continue;
      for (const i of idx) {
        const z = have.std > 1e-6 ? (at(c, i) - have.mean) / have.std : 0;
        out[c * positions + i] = clamp(target.mean + target.std * z);
      }
    }
  });
  return out;
}
