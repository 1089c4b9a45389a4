/**
 * The sample layout: which field sits in which channel and how each is normalised to [-1, 1].
 * Per-packet fields take one value per packet position; per-flow fields are repeated at every
 * position (padding included) so a convolution sees them everywhere and decode can average
 * the model's noise away. Absent positions hold -1 in every per-packet field.
 */
import { FLAG_NAMES, OPTION_NAMES, noOptions, type FlowFields, type PacketRow, type SampleRows } from './rows.js';

/** Data-dependent constants learned in fit (the value that maps to +1). */
export interface Scales {
  /** Bytes: IP and payload lengths. */
  length: number;
  /** Seconds: inter-arrival times (log scale). */
  iat: number;
}

/** IAT log unit: 1 µs, so sub-millisecond round trips and multi-second gaps both spread. */
const IAT_UNIT = 1e-6;
const U16 = 65535;

export const PROTOCOL_SLOTS = [6, 17, 1, -1] as const;
/** Port classes (IANA): well-known < 1024, registered < 49152, dynamic/ephemeral. */
export const PORT_CLASSES = ['wellKnown', 'registered', 'ephemeral'] as const;

export function portClass(port: number): number {
  return port < 1024 ? 0 : port < 49152 ? 1 : 2;
}

const lin = (v: number, max: number): number => Math.min(1, Math.max(-1, (2 * v) / max - 1));
const unlin = (x: number, max: number): number => ((Math.min(1, Math.max(-1, x)) + 1) / 2) * max;
const logn = (v: number, max: number): number => lin(Math.log1p(Math.max(0, v)), Math.log1p(max));
const unlog = (x: number, max: number): number => Math.expm1(unlin(x, Math.log1p(max)));
const bit = (b: boolean): number => (b ? 1 : -1);

/** Per-packet field channels, in order (README "Layout"). */
export const PACKET_FIELDS: readonly string[] = [
  'present',
  'direction',
  'ipLength',
  'payloadLength',
  'iat',
  'ttl',
  'tos',
  'dontFragment',
  'ipIdStep',
  ...FLAG_NAMES.map((f) => `flag.${f}`),
  'window',
  'tcpHeaderLength',
  ...OPTION_NAMES.map((o) => `option.${o}`),
  'icmpType',
];

const bits16 = (name: string): string[] => Array.from({ length: 16 }, (_, i) => `${name}.bit${15 - i}`);

/** Per-flow field channels, in order. */
export const FLOW_FIELDS: readonly string[] = [
  ...PROTOCOL_SLOTS.map((p) => `protocol.${p === -1 ? 'other' : p}`),
  ...bits16('clientPort'),
  ...PORT_CLASSES.map((c) => `clientPortClass.${c}`),
  ...bits16('servicePort'),
  ...PORT_CLASSES.map((c) => `servicePortClass.${c}`),
];

export const FIELD_NAMES: readonly string[] = [...PACKET_FIELDS, ...FLOW_FIELDS];
export const FIELD_COUNT = FIELD_NAMES.length;

function packetValues(r: PacketRow, s: Scales): number[] {
  return [
    1,
    r.direction === 0 ? 1 : -1,
    lin(r.ipLength, s.length),
    lin(r.payloadLength, s.length),
    lin(Math.log1p(r.iat / IAT_UNIT), Math.log1p(s.iat / IAT_UNIT)),
    lin(r.ttl, 255),
    lin(r.tos, 255),
    bit(r.dontFragment),
    logn(r.ipIdStep, U16),
    ...FLAG_NAMES.map((_, i) => bit(((r.flags >> i) & 1) === 1)),
    logn(r.window, U16),
    lin(r.tcpHeaderLength, 60),
    ...OPTION_NAMES.map((o) => bit(r.options[o])),
    lin(r.icmpType, 255),
  ];
}

function portValues(port: number): number[] {
  const cls = portClass(port);
  return [...Array.from({ length: 16 }, (_, i) => bit(((port >> (15 - i)) & 1) === 1)), ...PORT_CLASSES.map((_, i) => bit(i === cls))];
}

function flowValues(f: FlowFields): number[] {
  const slot = PROTOCOL_SLOTS.includes(f.protocol as 6) ? f.protocol : -1;
  return [...PROTOCOL_SLOTS.map((p) => bit(p === slot)), ...portValues(f.clientPort), ...portValues(f.servicePort)];
}

/** Field-major values (FIELD_COUNT × positions): value of field c at position i is out[c·P + i]. */
export function encodeRows(sample: SampleRows, positions: number, s: Scales): Float32Array {
  const out = new Float32Array(FIELD_COUNT * positions).fill(-1);
  const flow = flowValues(sample.flow);
  const np = PACKET_FIELDS.length;
  for (let i = 0; i < positions; i++) {
    const row = sample.rows[i];
    if (row) packetValues(row, s).forEach((v, c) => (out[c * positions + i] = v));
    flow.forEach((v, c) => (out[(np + c) * positions + i] = v));
  }
  return out;
}

/** Generated per-flow fields: averages over positions (the model's noise cancels). */
export interface DecodedFlowFields {
  /** Protocol slot scores, PROTOCOL_SLOTS order. */
  protocolScores: number[];
  clientPort: number;
  clientPortClass: number;
  servicePort: number;
  servicePortClass: number;
}

function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best;
}

export function decodeFlow(values: ArrayLike<number>, positions: number): DecodedFlowFields {
  const np = PACKET_FIELDS.length;
  const mean = (c: number): number => {
    let s = 0;
    for (let i = 0; i < positions; i++) {
      const v = values[(np + c) * positions + i] as number;
      s += Number.isFinite(v) ? v : -1;
    }
    return s / positions;
  };
  const port = (at: number): number => {
    let v = 0;
    for (let b = 0; b < 16; b++) v = v * 2 + (mean(at + b) > 0 ? 1 : 0);
    return v;
  };
  const classOf = (at: number): number => argmax([0, 1, 2].map((k) => mean(at + k)));
  return {
    protocolScores: PROTOCOL_SLOTS.map((_, i) => mean(i)),
    clientPort: port(4),
    clientPortClass: classOf(20),
    servicePort: port(23),
    servicePortClass: classOf(39),
  };
}

/** Generated per-packet rows in real units (before the profile shapes them); absent positions skipped. */
export function decodeRows(values: ArrayLike<number>, positions: number, s: Scales): { rows: PacketRow[]; positions: number[] } {
  const rows: PacketRow[] = [];
  const at: number[] = [];
  const v = (c: number, i: number): number => {
    const x = values[c * positions + i] as number;
    return Number.isFinite(x) ? x : -1;
  };
  for (let i = 0; i < positions; i++) {
    if (v(0, i) <= 0) continue;
    let flags = 0;
    FLAG_NAMES.forEach((_, k) => (flags |= v(9 + k, i) > 0 ? 1 << k : 0));
    const options = noOptions();
    OPTION_NAMES.forEach((o, k) => (options[o] = v(19 + k, i) > 0));
    rows.push({
      direction: v(1, i) > 0 ? 0 : 1,
      ipLength: Math.round(unlin(v(2, i), s.length)),
      payloadLength: Math.round(unlin(v(3, i), s.length)),
      iat: Math.round(Math.expm1(unlin(v(4, i), Math.log1p(s.iat / IAT_UNIT))) * IAT_UNIT * 1e9) / 1e9,
      ttl: Math.round(unlin(v(5, i), 255)),
      tos: Math.round(unlin(v(6, i), 255)),
      dontFragment: v(7, i) > 0,
      ipIdStep: Math.round(unlog(v(8, i), U16)),
      flags,
      window: Math.round(unlog(v(17, i), U16)),
      tcpHeaderLength: Math.round(unlin(v(18, i), 60) / 4) * 4,
      options,
      icmpType: Math.round(unlin(v(23, i), 255)),
    });
    at.push(i);
  }
  return { rows, positions: at };
}
