/**
 * TCP options: a strict parser that reports every way an option list can be malformed
 * (the dissector stops quietly at the first bad length), and an encoder that lays options
 * out and pads the area to a 32-bit boundary.
 */
import { be16, be32 } from './bits.js';

export const TCPOPT = Object.freeze({
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
  MD5: 19,
  USER_TIMEOUT: 28,
  AUTH: 29,
  MPTCP: 30,
  FAST_OPEN: 34,
  EXPERIMENT_1: 253,
  EXPERIMENT_2: 254,
});

/**
 * Option kinds with an IANA assignment (RFC 9293 registry, historic ones included). Kinds
 * 31–33 (unauthorised use) and everything else are unknown.
 */
export const KNOWN_TCP_OPTION_KINDS: ReadonlySet<number> = new Set([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 34, 69, 70, 76, 77, 78, 172, 174, 253, 254,
]);

export interface LengthRule {
  min: number;
  max: number;
  /** Allowed lengths are min, min + step, ... */
  step: number;
}

const exact = (n: number): LengthRule => ({ min: n, max: n, step: 1 });

/** Length rules of the kinds whose size is fixed or structured; others need length ≥ 2. */
export const TCP_OPTION_LENGTHS: ReadonlyMap<number, LengthRule> = new Map([
  [TCPOPT.MSS, exact(4)],
  [TCPOPT.WSCALE, exact(3)],
  [TCPOPT.SACK_PERMITTED, exact(2)],
  [TCPOPT.SACK, { min: 10, max: 34, step: 8 }],
  [6, exact(6)],
  [7, exact(6)],
  [TCPOPT.TIMESTAMP, exact(10)],
  [9, exact(2)],
  [10, exact(3)],
  [11, exact(6)],
  [12, exact(6)],
  [13, exact(6)],
  [14, exact(3)],
  [18, exact(3)],
  [TCPOPT.MD5, exact(18)],
  [27, exact(8)],
  [TCPOPT.USER_TIMEOUT, exact(4)],
  [TCPOPT.AUTH, { min: 4, max: 40, step: 1 }],
  [TCPOPT.MPTCP, { min: 3, max: 40, step: 1 }],
  [TCPOPT.FAST_OPEN, { min: 2, max: 18, step: 1 }],
  [TCPOPT.EXPERIMENT_1, { min: 4, max: 40, step: 1 }],
  [TCPOPT.EXPERIMENT_2, { min: 4, max: 40, step: 1 }],
]);

export const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'eol'],
  [1, 'nop'],
  [2, 'mss'],
  [3, 'wscale'],
  [4, 'sack_perm'],
  [5, 'sack'],
  [8, 'timestamp'],
  [19, 'md5'],
  [28, 'user_timeout'],
  [29, 'auth'],
  [30, 'mptcp'],
  [34, 'fast_open'],
  [253, 'experimental'],
  [254, 'experimental'],
]);

export function optionField(kind: number): string {
  return `tcp.options.${OPTION_NAMES.get(kind) ?? `kind${kind}`}`;
}

export interface ParsedTcpOption {
  kind: number;
  /** Total length in bytes (1 for EOL and NOP). */
  length: number;
  /** Offset of the option inside the option area. */
  offset: number;
  /** Bytes after kind and length. */
  data: Uint8Array;
}

export interface OptionProblem {
  field: string;
  message: string;
  /** Offset inside the option area where the problem starts. */
  offset: number;
}

export interface TcpOptionsParse {
  /** Options up to (and including) EOL or the first malformed one (excluded). */
  options: ParsedTcpOption[];
  problems: OptionProblem[];
  /** Offset of EOL, when present. */
  eolOffset?: number;
  /** Offset where parsing stopped on a malformed option (the rest is unusable). */
  brokenAt?: number;
}

export function parseTcpOptions(raw: Uint8Array): TcpOptionsParse {
  const options: ParsedTcpOption[] = [];
  const problems: OptionProblem[] = [];
  const out: TcpOptionsParse = { options, problems };
  let i = 0;
  while (i < raw.length) {
    const kind = raw[i] ?? 0;
    if (kind === TCPOPT.EOL) {
      options.push({ kind, length: 1, offset: i, data: new Uint8Array(0) });
      out.eolOffset = i;
      for (let j = i + 1; j < raw.length; j++) {
        if ((raw[j] ?? 0) !== 0) {
          problems.push({
            field: 'tcp.options.padding',
            message: `non-zero byte 0x${(raw[j] ?? 0).toString(16)} after end-of-list at option byte ${j}`,
            offset: j,
          });
          break;
        }
      }
      return out;
    }
    if (kind === TCPOPT.NOP) {
      options.push({ kind, length: 1, offset: i, data: new Uint8Array(0) });
      i++;
      continue;
    }
    if (i + 1 >= raw.length) {
      problems.push({ field: optionField(kind), message: `option kind ${kind} at byte ${i} has no length byte (area ends)`, offset: i });
      out.brokenAt = i;
      return out;
    }
    const length = raw[i + 1] ?? 0;
    if (length < 2) {
      problems.push({ field: optionField(kind), message: `option kind ${kind} at byte ${i} has length ${length} < 2`, offset: i });
      out.brokenAt = i;
      return out;
    }
    if (i + length > raw.length) {
      problems.push({
        field: optionField(kind),
        message: `option kind ${kind} at byte ${i} has length ${length}, running past the ${raw.length}-byte option area`,
        offset: i,
      });
      out.brokenAt = i;
      return out;
    }
    const rule = TCP_OPTION_LENGTHS.get(kind);
    if (!KNOWN_TCP_OPTION_KINDS.has(kind)) {
      problems.push({ field: optionField(kind), message: `unknown option kind ${kind} at byte ${i}`, offset: i });
    } else if (rule && (length < rule.min || length > rule.max || (length - rule.min) % rule.step !== 0)) {
      problems.push({ field: optionField(kind), message: `option kind ${kind} at byte ${i} has length ${length}; allowed ${describe(rule)}`, offset: i });
    }
    options.push({ kind, length, offset: i, data: raw.slice(i + 2, i + length) });
    i += length;
  }
  return out;
}

function describe(rule: LengthRule): string {
  if (rule.min === rule.max) return `${rule.min}`;
  return rule.step === 1 ? `${rule.min}..${rule.max}` : `${rule.min}..${rule.max} in steps of ${rule.step}`;
}

/** Option kinds in order, NOPs included, EOL and padding left out: "2,4,8,1,3". */
export function layoutOf(options: readonly { kind: number }[]): string {
  return options
    .filter((o) => o.kind !== TCPOPT.EOL)
    .map((o) => o.kind)
    .join(',');
}

export interface OptionSpec {
  kind: number;
  /** Bytes after kind and length (ignored for EOL/NOP). */
  data?: Uint8Array;
}

/** Encodes options in order and pads with EOL + zero bytes to a multiple of 4. */
export function encodeTcpOptions(options: readonly OptionSpec[]): Uint8Array {
  const parts: number[] = [];
  for (const o of options) {
    if (o.kind === TCPOPT.EOL || o.kind === TCPOPT.NOP) {
      parts.push(o.kind);
      continue;
    }
    const data = o.data ?? new Uint8Array(0);
    parts.push(o.kind, data.length + 2, ...data);
  }
  while (parts.length % 4 !== 0) parts.push(0);
  return Uint8Array.from(parts);
}

export function mssValue(o: ParsedTcpOption): number {
  return be16(o.data, 0);
}

export function wscaleValue(o: ParsedTcpOption): number {
  return o.data[0] ?? 0;
}

export function timestampValues(o: ParsedTcpOption): { tsval: number; tsecr: number } {
  return { tsval: be32(o.data, 0), tsecr: be32(o.data, 4) };
}

export function sackBlocks(o: ParsedTcpOption): { left: number; right: number }[] {
  const blocks: { left: number; right: number }[] = [];
  for (let i = 0; i + 8 <= o.data.length; i += 8) blocks.push({ left: be32(o.data, i), right: be32(o.data, i + 4) });
  return blocks;
}

export function u16Bytes(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}

export function u32Bytes(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => {
    out[i * 4] = (v >>> 24) & 0xff;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  });
  return out;
}

/** Options that RFC 9293/7323/2018 allow only on SYN segments. */
export const SYN_ONLY_OPTIONS: ReadonlySet<number> = new Set([TCPOPT.MSS, TCPOPT.WSCALE, TCPOPT.SACK_PERMITTED]);

export interface LayoutValues {
  mss: number;
  wscale: number;
  tsval: number;
  tsecr: number;
}

/**
 * Option bytes for a learned layout key ("2,4,8,1,3"): MSS, window scale, SACK-permitted,
 * timestamps and NOPs are filled from `values`; kinds a handshake cannot carry are left out.
 * Padded to 32 bits.
 */
export function optionsForLayout(layout: string, values: LayoutValues): Uint8Array {
  const specs: OptionSpec[] = [];
  for (const k of layout.split(',').filter(Boolean).map(Number)) {
    if (k === TCPOPT.NOP) specs.push({ kind: k });
    else if (k === TCPOPT.MSS) specs.push({ kind: k, data: u16Bytes(values.mss) });
    else if (k === TCPOPT.WSCALE) specs.push({ kind: k, data: Uint8Array.of(Math.min(14, values.wscale)) });
    else if (k === TCPOPT.SACK_PERMITTED) specs.push({ kind: k });
    else if (k === TCPOPT.TIMESTAMP) specs.push({ kind: k, data: u32Bytes(values.tsval, values.tsecr) });
  }
  let out = encodeTcpOptions(specs);
  while (out.length > 40 && specs.length > 0) {
    specs.pop();
    out = encodeTcpOptions(specs);
  }
  return out;
}
