import { token, tokenValue, type Ip2VecTable } from './ip2vec.js';
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

/** How the categorical fields are encoded: bits / one-hot (exact, no model) or IP2Vec vectors (learned by `fit`). */
export interface FieldEncoding {
  addresses: 'bits' | 'ip2vec';
  ports: 'bits' | 'ip2vec';
  protocol: 'onehot' | 'ip2vec';
}
export const BITS_ENCODING: FieldEncoding = { addresses: 'bits', ports: 'bits', protocol: 'onehot' };

/** The IP2Vec side of an encoding: which fields use it and the trained table. */
export interface Embedded {
  encoding: FieldEncoding;
  table: Ip2VecTable;
}

/** Layout of the series; `dim` is the IP2Vec vector size of the fields that use it. */
export function makeLayout(addresses: boolean, encoding: FieldEncoding = BITS_ENCODING, dim = 0): { layout: Layout; length: number } {
  const a = encoding.addresses === 'ip2vec' ? dim : 32;
  const p = encoding.ports === 'ip2vec' ? dim : 16;
  const parts: [string, number][] = [
    ...(addresses
      ? ([
          ['srcip', a],
          ['dstip', a],
        ] as [string, number][])
      : []),
    ['srcport', p],
    ['dstport', p],
    ['proto', encoding.protocol === 'ip2vec' ? dim : PROTOCOLS.length],
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
export function encodeRecord(r: FlowRecord, layout: Layout, length: number, ranges: Ranges, baseSeconds: number, emb?: Embedded): Float32Array {
  const out = new Float32Array(length);
  const vec = (field: keyof FieldEncoding): Ip2VecTable | undefined => (emb?.encoding[field] === 'ip2vec' ? emb.table : undefined);
  const ipTable = vec('addresses');
  for (const f of ['srcip', 'dstip'] as const) {
    if (!layout[f]) continue;
    if (ipTable) ipTable.put(token('a', r[f]), out, layout[f][0]);
    else putBits(out, layout[f][0], 32, ipv4ToNumber(r[f]) ?? 0);
  }
  const portTable = vec('ports');
  for (const f of ['srcport', 'dstport'] as const) {
    if (portTable) portTable.put(token('p', r[f]), out, layout[f]![0]);
    else putBits(out, layout[f]![0], 16, r[f]);
  }
  const [p0, pn] = layout['proto']!;
  const protoTable = vec('protocol');
  if (protoTable) protoTable.put(token('t', r.proto), out, p0);
  else for (let i = 0; i < pn; i++) out[p0 + i] = PROTOCOLS[i] === r.proto ? 1 : -1;
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
  emb?: Embedded,
): FlowRecord {
  const cats = decodeCategorical(data, layout, endpoints, emb);
  const cont = (f: ContinuousField): number => unscale(f, data[layout[f]![0]] ?? Number.NaN, ranges[f]);
  const share = data[layout['upShare']![0]] ?? 0;
  return {
    ...cats,
    ts: baseSeconds + cont('start'),
    td: Math.max(0, cont('duration')),
    pkt: Math.max(1, Math.round(cont('packets'))),
    byt: Math.max(0, Math.round(cont('bytes'))),
    upShare: Number.isFinite(share) ? Math.min(1, Math.max(0, (share + 1) / 2)) : 0.5,
  };
}

type Categorical = Pick<FlowRecord, 'srcip' | 'dstip' | 'srcport' | 'dstport' | 'proto'>;

/** Addresses, ports and protocol back: bits by sign, one-hot by the largest value, IP2Vec by the nearest vocabulary value. */
function decodeCategorical(data: ArrayLike<number>, layout: Layout, endpoints: { client: string; server: string }, emb?: Embedded): Categorical {
  const vec = (field: keyof FieldEncoding): Ip2VecTable | undefined => (emb?.encoding[field] === 'ip2vec' ? emb.table : undefined);
  const ip = (f: 'srcip' | 'dstip', fallback: string): string => {
    if (!layout[f]) return fallback;
    const t = vec('addresses');
    if (!t) return numberToIpv4(getBits(data, layout[f][0], 32));
    const w = t.nearest('a', data, layout[f][0]);
    return w === undefined ? fallback : tokenValue(w);
  };
  const port = (f: 'srcport' | 'dstport'): number => {
    const t = vec('ports');
    if (!t) return getBits(data, layout[f]![0], 16);
    const w = t.nearest('p', data, layout[f]![0]);
    return w === undefined ? 0 : Number(tokenValue(w));
  };
  const [p0, pn] = layout['proto']!;
  let proto: ProtocolName;
  const pt = vec('protocol');
  if (pt) {
    const w = pt.nearest('t', data, p0);
    proto = (w === undefined ? 'other' : tokenValue(w)) as ProtocolName;
  } else {
    let best = 0;
    for (let i = 1; i < pn; i++) if ((data[p0 + i] ?? -Infinity) > (data[p0 + best] ?? -Infinity)) best = i;
    proto = PROTOCOLS[best] as ProtocolName;
  }
  return { srcip: ip('srcip', endpoints.client), dstip: ip('dstip', endpoints.server), srcport: port('srcport'), dstport: port('dstport'), proto };
}
