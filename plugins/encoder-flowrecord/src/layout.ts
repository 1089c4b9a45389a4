import { PROTOCOLS, ipv4ToNumber, numberToIpv4, type FlowRecord, type ProtocolName } from './record.js';

/** The continuous fields and how each is transformed before min-max scaling to [-1, 1]. */
export const CONTINUOUS = ['start', 'duration', 'packets', 'bytes'] as const;
export type ContinuousField = (typeof CONTINUOUS)[number];
/** NetShare: log1p then min-max for td, pkt, byt; the start time is linear. */
const TRANSFORM: Record<ContinuousField, (v: number) => number> = {
  start: (v) => v,
  duration: Math.log1p,
  packets: Math.log1p,
  bytes: Math.log1p,
};
const INVERSE: Record<ContinuousField, (v: number) => number> = {
  start: (v) => v,
  duration: Math.expm1,
  packets: Math.expm1,
  bytes: Math.expm1,
};

/** [min, max] in real units (start: seconds after `baseSeconds`). */
export type Ranges = Record<ContinuousField, [number, number]>;

/** Where each field sits in the series: [offset, length]. */
export type Layout = Record<string, [number, number]>;

export function makeLayout(addresses: boolean): { layout: Layout; length: number } {
  const parts: [string, number][] = [
    ...(addresses
      ? ([
          ['srcip', 32],
          ['dstip', 32],
        ] as [string, number][])
      : []),
    ['srcport', 16],
    ['dstport', 16],
    ['proto', PROTOCOLS.length],
    ['start', 1],
    ['duration', 1],
    ['packets', 1],
    ['bytes', 1],
    ['upShare', 1],
  ];
  const layout: Layout = {};
  let at = 0;
  for (const [name, n] of parts) {
    layout[name] = [at, n];
    at += n;
  }
  return { layout, length: at };
}

function putBits(out: Float32Array, at: number, bits: number, value: number): void {
  for (let i = 0; i < bits; i++) out[at + i] = (value >>> (bits - 1 - i)) & 1 ? 1 : -1;
}

/** Bits back from their ±1 values (a value above 0 is a 1; NaN reads as 0). */
function getBits(data: ArrayLike<number>, at: number, bits: number): number {
  let v = 0;
  for (let i = 0; i < bits; i++) v = v * 2 + ((data[at + i] ?? 0) > 0 ? 1 : 0);
  return v >>> 0;
}

function scale(field: ContinuousField, value: number, range: [number, number]): number {
  const f = TRANSFORM[field];
  const lo = f(range[0]);
  const hi = f(range[1]);
  if (!(hi > lo)) return 0;
  const x = (2 * (f(value) - lo)) / (hi - lo) - 1;
  return Math.min(1, Math.max(-1, x));
}

function unscale(field: ContinuousField, x: number, range: [number, number]): number {
  const f = TRANSFORM[field];
  const lo = f(range[0]);
  const hi = f(range[1]);
  const clipped = Number.isFinite(x) ? Math.min(1, Math.max(-1, x)) : -1;
  if (!(hi > lo)) return range[0];
  return INVERSE[field](lo + ((clipped + 1) / 2) * (hi - lo));
}

/** Continuous values of a record in real units (start relative to `baseSeconds`). */
export function continuousOf(r: FlowRecord, baseSeconds: number): Record<ContinuousField, number> {
  return { start: Math.max(0, r.ts - baseSeconds), duration: r.td, packets: r.pkt, bytes: r.byt };
}

/** A record → its series of values in [-1, 1]. */
export function encodeRecord(r: FlowRecord, layout: Layout, length: number, ranges: Ranges, baseSeconds: number): Float32Array {
  const out = new Float32Array(length);
  if (layout['srcip']) putBits(out, layout['srcip'][0], 32, ipv4ToNumber(r.srcip) ?? 0);
  if (layout['dstip']) putBits(out, layout['dstip'][0], 32, ipv4ToNumber(r.dstip) ?? 0);
  putBits(out, layout['srcport']![0], 16, r.srcport);
  putBits(out, layout['dstport']![0], 16, r.dstport);
  const [p0, pn] = layout['proto']!;
  for (let i = 0; i < pn; i++) out[p0 + i] = PROTOCOLS[i] === r.proto ? 1 : -1;
  const values = continuousOf(r, baseSeconds);
  for (const field of CONTINUOUS) out[layout[field]![0]] = scale(field, values[field], ranges[field]);
  out[layout['upShare']![0]] = 2 * r.upShare - 1;
  return out;
}

/** A series → the record it encodes (bits by sign, protocol by the largest value, the rest unscaled and rounded). */
export function decodeRecord(
  data: ArrayLike<number>,
  layout: Layout,
  ranges: Ranges,
  baseSeconds: number,
  endpoints: { client: string; server: string },
): FlowRecord {
  const [p0, pn] = layout['proto']!;
  let best = 0;
  for (let i = 1; i < pn; i++) if ((data[p0 + i] ?? -Infinity) > (data[p0 + best] ?? -Infinity)) best = i;
  const cont = (f: ContinuousField): number => unscale(f, data[layout[f]![0]] ?? Number.NaN, ranges[f]);
  const share = data[layout['upShare']![0]] ?? 0;
  return {
    srcip: layout['srcip'] ? numberToIpv4(getBits(data, layout['srcip'][0], 32)) : endpoints.client,
    dstip: layout['dstip'] ? numberToIpv4(getBits(data, layout['dstip'][0], 32)) : endpoints.server,
    srcport: getBits(data, layout['srcport']![0], 16),
    dstport: getBits(data, layout['dstport']![0], 16),
    proto: PROTOCOLS[best] as ProtocolName,
    ts: baseSeconds + cont('start'),
    td: Math.max(0, cont('duration')),
    pkt: Math.max(1, Math.round(cont('packets'))),
    byt: Math.max(0, Math.round(cont('bytes'))),
    upShare: Number.isFinite(share) ? Math.min(1, Math.max(0, (share + 1) / 2)) : 0.5,
  };
}
