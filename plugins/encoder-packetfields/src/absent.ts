/**
 * Fields a snap length did not capture (headers-only traces such as CAIDA's, `editcap -s 40`).
 * nPrint marks absent bits -1; here -1 and +1 are real values (±1 booleans, range ends), so an
 * absent field is 0 in the tensor — the centre of its range, "no evidence either way" — and is
 * left out of the scales learnt in fit. Decode reads it like any generated value.
 */
import type { PacketView } from '@netsynth/protocol-rules';
import { PACKET_FIELDS } from './layout.js';
import { FLAG_NAMES, OPTION_NAMES, type PacketRow } from './rows.js';

const TCP_FIELDS = [...FLAG_NAMES.map((f) => `flag.${f}`), 'window', 'tcpHeaderLength', 'payloadLength', ...OPTION_NAMES.map((o) => `option.${o}`)];

/** IP header fields and the captured bytes they need (offset of their last byte + 1). */
const IPV4_NEEDS: [string, number][] = [
  ['tos', 2],
  ['ipLength', 4],
  ['ipIdStep', 6],
  ['dontFragment', 7],
  ['ttl', 9],
];
const IPV6_NEEDS: [string, number][] = [
  ['tos', 2],
  ['ipLength', 6],
  ['ttl', 8],
];

function tcpAbsent(captured: number, dataOffset: number): string[] {
  const out: string[] = [];
  if (captured < 13) out.push('tcpHeaderLength', 'payloadLength');
  if (captured < 14) out.push(...FLAG_NAMES.map((f) => `flag.${f}`));
  if (captured < 16) out.push('window');
  if (captured < 13 || (dataOffset > 5 && captured < dataOffset * 4)) out.push(...OPTION_NAMES.map((o) => `option.${o}`));
  return out;
}

/** The per-packet fields (PACKET_FIELDS names) whose header bytes this packet lacks; [] for a whole header. */
export function absentFields(v: PacketView): string[] {
  if (!v.cut || v.ipOffset === undefined) return [];
  const c = v.capturedIpLength;
  const needs = v.ipv4 ? IPV4_NEEDS : v.ipv6 ? IPV6_NEEDS : [];
  const out = needs.filter(([, n]) => c < n).map(([f]) => f);
  const ip = v.ipv4 ?? v.ipv6;
  if (!ip || ip.isFragment) return out;
  const transportAt = (v.ipv4 ? v.ipv4.ihl * 4 : 40) + v.ipOffset;
  const captured = v.packet.data.length - transportAt;
  if (v.tcp) out.push(...tcpAbsent(captured, v.tcp.dataOffset));
  else if (ip.protocol === 6 && captured <= 0) out.push(...TCP_FIELDS);
  else if ((v.icmp || ip.protocol === 1 || ip.protocol === 58) && captured < 1) out.push('icmpType');
  return out;
}

/** Sets each row's absent fields to 0 in field-major `values` (FIELD_COUNT × positions). */
export function markAbsent(values: Float32Array, rows: readonly PacketRow[], positions: number): Float32Array {
  for (let i = 0; i < Math.min(rows.length, positions); i++) {
    for (const name of rows[i]?.absent ?? []) values[PACKET_FIELDS.indexOf(name) * positions + i] = 0;
  }
  return values;
}
