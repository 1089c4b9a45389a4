/** Parsing and formatting of single record values (addresses, protocols, times, counts). */

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ICMP: 1,
  IGMP: 2,
  IPIP: 4,
  TCP: 6,
  EGP: 8,
  UDP: 17,
  IPV6: 41,
  RSVP: 46,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  'IPV6-ICMP': 58,
  EIGRP: 88,
  OSPF: 89,
  OSPFIGP: 89,
  PIM: 103,
  VRRP: 112,
  L2TP: 115,
  SCTP: 132,
};
const PROTOCOL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(PROTOCOL_NUMBERS)) if (!PROTOCOL_NAMES.has(n)) PROTOCOL_NAMES.set(n, name);

/** `TCP`, `tcp`, ` UDP ` or `6` → the IP protocol number; undefined when neither. */
export function parseProtocol(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 255 ? n : undefined;
  }
  return PROTOCOL_NUMBERS[t.toUpperCase()];
}

/** The protocol's name as NetShare writes it (TCP, UDP, ICMP…), or its number when it has none. */
export function protocolText(proto: number, format: 'name' | 'number'): string {
  return format === 'name' ? (PROTOCOL_NAMES.get(proto) ?? String(proto)) : String(proto);
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted quad or an unsigned 32-bit integer → the dotted quad; IPv6 text is kept; undefined when neither. */
export function parseAddress(text: string): { address: string; integer: boolean } | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n > 0xffffffff) return undefined;
    return { address: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), integer: true };
  }
  const m = DOTTED.exec(t);
  if (m) return m.slice(1).every((p) => Number(p) <= 255) ? { address: t, integer: false } : undefined;
  return t.includes(':') && /^[0-9a-fA-F:.]+$/.test(t) ? { address: t.toLowerCase(), integer: false } : undefined;
}

/** An address as the file writes it: dotted, or its unsigned 32-bit value (IPv6 always as text). */
export function addressText(address: string, format: 'dotted' | 'integer'): string {
  const m = DOTTED.exec(address);
  if (format === 'dotted' || !m) return address;
  const p = m.slice(1).map(Number);
  return String(((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!);
}

const SUFFIX: Readonly<Record<string, number>> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A count or duration: plain numbers, and nfdump/CIDDS's scaled counts (`1.2 M`). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const m = /^([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*([KMGT])?$/.exec(t);
  if (!m) return undefined;
  const v = Number(m[1]) * (m[2] ? (SUFFIX[m[2]] ?? 1) : 1);
  return Number.isFinite(v) ? v : undefined;
}

/** The unit of a numeric start time. */
export type TimeUnit = 'seconds' | 'milliseconds' | 'microseconds';
const PER_SECOND: Readonly<Record<TimeUnit, number>> = { seconds: 1, milliseconds: 1e3, microseconds: 1e6 };

/**
 * The unit of a numeric start time from its size: the one that puts it between 1973 and 5138
 * since the epoch (seconds from 1e8, milliseconds from 1e11, microseconds from 1e14; no value
 * fits two). Anything else, such as times relative to a capture's start, is microseconds,
 * NetShare's unit.
 */
export function timeUnitOf(value: number): TimeUnit {
  if (value >= 1e8 && value < 1e11) return 'seconds';
  if (value >= 1e11 && value < 1e14) return 'milliseconds';
  return 'microseconds';
}

/** How a file writes the fraction of numeric times: digits after the point, and whether they were all zeros. */
export interface TimeFraction {
  digits: number;
  /** `1458000000.0`: a float column holding whole units, written back whole. */
  zeros: boolean;
}

export interface ParsedTimestamp {
  seconds: number;
  /** Date-time text, or the unit of a number. */
  format: TimeUnit | 'datetime';
  /** The number's fraction as written (absent for integers and date-time text). */
  fraction?: TimeFraction;
}

/**
 * A start time → seconds since the epoch: a number is in `unit` (when not given, the unit its
 * size says: timeUnitOf); date-time text (`2017-03-15 00:01:16.632`, ISO 8601) is read as UTC.
 */
export function parseTimestamp(text: string, unit?: TimeUnit): ParsedTimestamp | undefined {
  const t = text.trim();
  const number = /^\d+(?:\.(\d+))?$/.exec(t);
  if (number) {
    const value = Number(t);
    const format = unit ?? timeUnitOf(value);
    const digits = number[1];
    return { seconds: value / PER_SECOND[format], format, ...(digits !== undefined && { fraction: { digits: digits.length, zeros: /^0+$/.test(digits) } }) };
  }
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? { seconds: ms / 1000, format: 'datetime' } : undefined;
}

/**
 * Seconds since the epoch as the file writes them: a number in its unit, with the file's
 * fraction (none: whole units), or `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
 */
export function timestampText(seconds: number, format: TimeUnit | 'datetime', fraction?: TimeFraction): string {
  if (format === 'datetime') return new Date(Math.round(seconds * 1000)).toISOString().replace('T', ' ').replace('Z', '');
  const value = seconds * PER_SECOND[format];
  if (!fraction || fraction.digits === 0) return String(Math.round(value));
  return fraction.zeros ? `${Math.round(value)}.${'0'.repeat(fraction.digits)}` : value.toFixed(fraction.digits);
}

/** Seconds with microsecond resolution, without trailing zeros. */
export function durationText(seconds: number): string {
  return String(Math.round(seconds * 1e6) / 1e6);
}
