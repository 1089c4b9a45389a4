/**
 * The sample layout: which field sits in which channel and how each is normalised to [-1, 1].
 * Per-packet fields take one value per packet position; per-flow fields are repeated at every
 * position (padding included) so a convolution sees them everywhere and decode can average
 * the model's noise away. Absent positions hold -1 in every per-packet field.
 */
import { FLAG_NAMES, OPTION_NAMES, noOptions, type FlowFields, type PacketRow, type SampleRows } from './rows.js';
import type { FieldScaler } from './scaling.js';
import { FLOW_SUMMARY_FIELDS, summaryValues, type SummaryChannels } from './flowstats.js';

export const PROTOCOL_SLOTS = [6, 17, 1, -1] as const;
/** Port classes (IANA): well-known < 1024, registered < 49152, dynamic/ephemeral. */
export const PORT_CLASSES = ['wellKnown', 'registered', 'ephemeral'] as const;

export function portClass(port: number): number {
  return port < 1024 ? 0 : port < 49152 ? 1 : 2;
}

const lin = (v: number, max: number): number => Math.min(1, Math.max(-1, (2 * v) / max - 1));
const unlin = (x: number, max: number): number => ((Math.min(1, Math.max(-1, x)) + 1) / 2) * max;
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
  ...FLOW_SUMMARY_FIELDS,
];

export const FIELD_NAMES: readonly string[] = [...PACKET_FIELDS, ...FLOW_FIELDS];
export const FIELD_COUNT = FIELD_NAMES.length;

/** The channels decode holds to the flow summary (flowstats.ts). */
export const SUMMARY_CHANNELS: SummaryChannels = {
  present: PACKET_FIELDS.indexOf('present'),
  direction: PACKET_FIELDS.indexOf('direction'),
  fields: {
    payloadLength: PACKET_FIELDS.indexOf('payloadLength'),
    iat: PACKET_FIELDS.indexOf('iat'),
    window: PACKET_FIELDS.indexOf('window'),
  },
  summary: FIELD_NAMES.indexOf(FLOW_SUMMARY_FIELDS[0] as string),
};

function packetValues(r: PacketRow, s: FieldScaler): number[] {
  const d = r.direction;
  return [
    1,
    d === 0 ? 1 : -1,
    s.toUnit('ipLength', d, r),
    s.toUnit('payloadLength', d, r),
    s.toUnit('iat', d, r),
    lin(r.ttl, 255),
    lin(r.tos, 255),
    bit(r.dontFragment),
    s.toUnit('ipIdStep', d, r),
    ...FLAG_NAMES.map((_, i) => bit(((r.flags >> i) & 1) === 1)),
    s.toUnit('window', d, r),
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
export function encodeRows(sample: SampleRows, positions: number, s: FieldScaler): Float32Array {
  const out = new Float32Array(FIELD_COUNT * positions).fill(-1);
  const flow = [...flowValues(sample.flow), ...summaryValues(sample.rows.slice(0, positions), positions, s)];
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

/** The TCP flag bits generated at a position (field-major values). */
export function flagsAt(values: ArrayLike<number>, positions: number, i: number): number {
  const first = PACKET_FIELDS.indexOf('flag.fin');
  let flags = 0;
  FLAG_NAMES.forEach((_, k) => {
    const x = values[(first + k) * positions + i] as number;
    if (Number.isFinite(x) && x > 0) flags |= 1 << k;
  });
  return flags;
}

/** Generated per-packet rows in real units (before the profile shapes them); absent positions skipped. */
export function decodeRows(values: ArrayLike<number>, positions: number, s: FieldScaler): { rows: PacketRow[]; positions: number[] } {
  const rows: PacketRow[] = [];
  const at: number[] = [];
  const v = (c: number, i: number): number => {
    const x = values[c * positions + i] as number;
    return Number.isFinite(x) ? x : -1;
  };
  for (let i = 0; i < positions; i++) {
    if (v(0, i) <= 0) continue;
    const flags = flagsAt(values, positions, i);
    const options = noOptions();
    OPTION_NAMES.forEach((o, k) => (options[o] = v(19 + k, i) > 0));
    const d = v(1, i) > 0 ? 0 : 1;
    rows.push({
      direction: d,
      ipLength: s.fromUnit('ipLength', d, v(2, i)),
      payloadLength: s.fromUnit('payloadLength', d, v(3, i)),
      iat: s.fromUnit('iat', d, v(4, i)),
      ttl: Math.round(unlin(v(5, i), 255)),
      tos: Math.round(unlin(v(6, i), 255)),
      dontFragment: v(7, i) > 0,
      ipIdStep: s.fromUnit('ipIdStep', d, v(8, i)),
      flags,
      window: s.fromUnit('window', d, v(17, i)),
      tcpHeaderLength: Math.round(unlin(v(18, i), 60) / 4) * 4,
      options,
      icmpType: Math.round(unlin(v(23, i), 255)),
    });
    at.push(i);
  }
  return { rows, positions: at };
}
