/**
 * How the continuous per-packet fields (sizes, gap, IP-ID step, window) become [-1, 1].
 *
 * `linear` maps each over a fixed range (lengths over [0, the largest length fit saw], the gap
 * on a log scale). `quantile` (the default) maps each through the quantiles of that field
 * among the training packets of the same class sent in the same direction: the model then
 * generates ranks, and decode turns a rank back into what that class's stack sent that way.
 * The direction↔size tie (one side sends bare ACKs while the other sends full segments) lives
 * in the map instead of having to be learned, and a model's small errors stay within the
 * values the class actually uses. A label or direction fit never saw falls back to the
 * quantiles of all classes in that direction, then to the linear map.
 */
import type { Direction } from '@netsynth/core';
import { fromUnit, quantileKnots, toUnit, type QuantileKnots } from './quantiles.js';
import type { PacketRow, SampleRows } from './rows.js';

/** Data-dependent constants learned in fit (the value that maps to +1). */
export interface Scales {
  /** Bytes: IP and payload lengths. */
  length: number;
  /** Seconds: inter-arrival times (log scale). */
  iat: number;
}

export const SCALED_FIELDS = ['ipLength', 'payloadLength', 'iat', 'ipIdStep', 'window'] as const;
export type ScaledField = (typeof SCALED_FIELDS)[number];

/** Knots per field and direction ([initiator → responder, back]); null where no packet went that way. */
export type DirectionKnots = Record<ScaledField, [QuantileKnots | null, QuantileKnots | null]>;

/** Knots per quantile map: 64 intervals of 1/64 of the packets each (state stays small). */
const KNOTS = 64;
/** IAT log unit: 1 µs, so sub-millisecond round trips and multi-second gaps both spread. */
const IAT_UNIT = 1e-6;
const U16 = 65535;

const lin = (v: number, max: number): number => Math.min(1, Math.max(-1, (2 * v) / max - 1));
const unlin = (x: number, max: number): number => ((Math.min(1, Math.max(-1, x)) + 1) / 2) * max;

/** The value a field is mapped from: the gap on its log scale, the others as they are. */
function raw(field: ScaledField, r: PacketRow): number {
  return field === 'iat' ? Math.log1p(r.iat / IAT_UNIT) : r[field];
}

/** Back from the mapped scale to real units (integers rounded, the gap to nanoseconds). */
function real(field: ScaledField, v: number): number {
  if (field === 'iat') return Math.round(Math.expm1(Math.max(0, v)) * IAT_UNIT * 1e9) / 1e9;
  return Math.max(0, Math.round(v));
}

function linearUnit(field: ScaledField, v: number, s: Scales): number {
  if (field === 'iat') return lin(v, Math.log1p(s.iat / IAT_UNIT));
  if (field === 'ipIdStep' || field === 'window') return lin(Math.log1p(Math.max(0, v)), Math.log1p(U16));
  return lin(v, s.length);
}

function linearValue(field: ScaledField, x: number, s: Scales): number {
  if (field === 'iat') return unlin(x, Math.log1p(s.iat / IAT_UNIT));
  if (field === 'ipIdStep' || field === 'window') return Math.expm1(unlin(x, Math.log1p(U16)));
  return unlin(x, s.length);
}

/** Field ⇄ [-1, 1] for the packets of one label (and protocol). */
export interface FieldScaler {
  toUnit(field: ScaledField, d: Direction, r: PacketRow): number;
  fromUnit(field: ScaledField, d: Direction, x: number): number;
  /** A sample's packet count ⇄ [-1, 1] (of `positions` at most). */
  countToUnit(n: number, positions: number): number;
  countFromUnit(x: number, positions: number): number;
  /** The share of a sample's packets sent back ⇄ [-1, 1]. */
  shareToUnit(share: number): number;
  shareFromUnit(x: number): number;
}

/** Knots of per-sample values of one kind of flow: its packet count and the share of its packets sent back. */
export interface FlowKnots {
  count: QuantileKnots;
  backShare: QuantileKnots;
}

/**
 * The scaler of a label: its own knots, else all classes' knots (`pooled`), else the linear map.
 * `flow`: knots of the packet counts and back shares of the label's flows of this kind; without
 * them the count is linear over the positions and the share over [0, 1].
 */
export function fieldScaler(s: Scales, own: DirectionKnots | undefined, pooled: DirectionKnots | undefined, flow?: FlowKnots): FieldScaler {
  const knots = (field: ScaledField, d: Direction): QuantileKnots | null => own?.[field][d] ?? pooled?.[field][d] ?? null;
  const clampCount = (n: number, positions: number): number => Math.min(positions, Math.max(1, Math.round(n)));
  return {
    countToUnit: (n, positions) => (flow ? toUnit(flow.count, n) : lin(n, positions)),
    // A linear count of 0 is read as 1: a sample has at least one packet.
    countFromUnit: (x, positions) => clampCount(flow ? fromUnit(flow.count, x) : unlin(x, positions), positions),
    shareToUnit: (share) => (flow ? toUnit(flow.backShare, share) : lin(share, 1)),
    shareFromUnit: (x) => Math.min(1, Math.max(0, flow ? fromUnit(flow.backShare, x) : unlin(x, 1))),
    toUnit: (field, d, r) => {
      const q = knots(field, d);
      return q ? toUnit(q, raw(field, r)) : linearUnit(field, raw(field, r), s);
    },
    fromUnit: (field, d, x) => {
      const q = knots(field, d);
      return real(field, q ? fromUnit(q, x) : linearValue(field, x, s));
    },
  };
}

/** Knots of every scaled field by direction over these samples' rows. */
export function learnKnots(samples: readonly SampleRows[]): DirectionKnots {
  const values = Object.fromEntries(SCALED_FIELDS.map((f) => [f, [[], []]])) as unknown as Record<ScaledField, [number[], number[]]>;
  // A field the snap length did not capture says nothing of the class's values (absent.ts).
  for (const s of samples) for (const r of s.rows) for (const f of SCALED_FIELDS) if (!r.absent?.includes(f)) values[f][r.direction].push(raw(f, r));
  const knotsOf = (v: number[]): QuantileKnots | null => (v.length ? quantileKnots(v, KNOTS) : null);
  return Object.fromEntries(SCALED_FIELDS.map((f) => [f, [knotsOf(values[f][0]), knotsOf(values[f][1])]])) as unknown as DirectionKnots;
}

/** Knots of the samples' packet counts (each sample's rows, at most `positions`) and back shares, or null for none. */
export function learnFlowKnots(samples: readonly SampleRows[], positions: number): FlowKnots | null {
  const rows = samples.map((x) => x.rows.slice(0, positions)).filter((r) => r.length > 0);
  if (rows.length === 0) return null;
  return {
    count: quantileKnots(
      rows.map((r) => r.length),
      KNOTS,
    ),
    backShare: quantileKnots(
      rows.map((r) => r.filter((x) => x.direction === 1).length / r.length),
      KNOTS,
    ),
  };
}
