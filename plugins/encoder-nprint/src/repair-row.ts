import type { Rng } from '@netsynth/core';
import { readBitsUint } from './bits.js';
import { fieldText, fillField, writeField, type FillReason } from './field-fill.js';
import { HEADER_FIELDS, type HeaderKey, type LayoutBlock, type NprintLayout } from './layout.js';
import {
  ABSENT,
  DEFAULT_IPV4_LAYOUTS,
  DEFAULT_TCP_LAYOUTS,
  describeLayout,
  FREE,
  nearestLayout,
  parseLayoutKey,
  parseOptionArea,
  type LayoutCandidate,
  type OptionFamily,
} from './option-layouts.js';
import { OPTION_VALUE_FIELDS, type RowStats } from './row-stats.js';

/**
 * Row-level structural repair (`rows: 'repair'`): makes a generated nPrint row that cannot
 * be a packet into the nearest packet *structure* — one IP header, one transport header,
 * option areas that are valid option layouts, header lengths that match what is present —
 * and reports every cell group it changed. Packet-level semantics (checksums, lengths
 * against payload, sequence numbers, ports, handshakes, IDs, TTL > 0) are the rulesets'
 * job and stay untouched here, except the two length caps NetDiffusion also applies.
 */
export interface RowRepairOptions {
  /** Learned value distributions (the encoder's fit); null: defaults and seeded bits. */
  stats: RowStats | null;
  rng: Rng;
  /**
   * A row whose IPv4 and IPv6 fixed headers (addresses excluded) are both less than this
   * fraction 0/1 is padding, not a packet (NetDiffusion turns such rows into packets).
   */
  paddingBelow: number;
  /** missing[i] = 1 for layout columns the table does not have (addresses of an image): left alone. */
  missing?: Uint8Array;
  /**
   * IP version and transport decided for the whole sample (one conversation per sample,
   * conversation.ts): they replace the row's own choice. A later IPv4 fragment keeps none.
   */
  force?: { version: 4 | 6; transport: Transport };
}

/** What deciding a row's structure needs. */
export type ShapeOptions = Pick<RowRepairOptions, 'stats' | 'paddingBelow' | 'force'>;

/** The structure a row would be repaired into (rowShape), without changing it. */
export type RowShape =
  { kind: 'padding'; ipFraction: number } | { kind: 'packet'; version: 4 | 6; transport: Transport | 'none'; why: string; f4: number; f6: number };

export interface RowChange {
  /** Field stem (`ipv4_ver`), an option area (`tcp_opt`) or a whole block (`udp`). */
  field: string;
  before: string;
  after: string;
  reason: string;
}

export type RowRepairResult =
  { kind: 'padding'; ipFraction: number; cells: number } | { kind: 'packet'; version: 4 | 6; transport: 'tcp' | 'udp' | 'icmp' | 'none'; changes: RowChange[] };

export type Transport = 'tcp' | 'udp' | 'icmp';
const PROTOCOL: Record<Transport, number> = { tcp: 6, udp: 17, icmp: 1 };
const FIXED_BITS: Record<Transport, number> = { tcp: 160, udp: 64, icmp: 64 };
/** Non-address fixed-header cells: IPv4 ver…cksum, IPv6 ver…hop limit. */
const IP_FIXED_BITS = { ipv4: 96, ipv6: 64 } as const;
/** Caps when nothing was learned: an Ethernet MTU (NetDiffusion's 1500). */
const DEFAULT_MAX_IPV4_TOTAL = 1500;
const DEFAULT_MAX_IPV6_PAYLOAD = 1460;
/** TCP option kinds kept as generated when well-formed: EOL, NOP, MSS, WS, SACK-permitted, SACK, TS, UTO, TCP-AO, MPTCP, TFO. */
const KNOWN_TCP_KINDS = new Set([0, 1, 2, 3, 4, 5, 8, 28, 29, 30, 34]);

function offsets(key: Exclude<HeaderKey, 'payload'>): Map<string, { offset: number; bits: number }> {
  const m = new Map<string, { offset: number; bits: number }>();
  let at = 0;
  for (const f of HEADER_FIELDS[key]) {
    m.set(f.name, { offset: at, bits: f.bits });
    at += f.bits;
  }
  return m;
}
const FIELDS = {
  ipv4: offsets('ipv4'),
  ipv6: offsets('ipv6'),
  tcp: offsets('tcp'),
  udp: offsets('udp'),
  icmp: offsets('icmp'),
};

function presentCount(row: Int8Array, start: number, bits: number, missing?: Uint8Array): { present: number; of: number } {
  let present = 0;
  let of = 0;
  for (let i = 0; i < bits; i++) {
    if (missing && missing[start + i] === 1) continue;
    of++;
    if (row[start + i] !== -1) present++;
  }
  return { present, of };
}

const fraction = (p: { present: number; of: number }): number => (p.of === 0 ? 0 : p.present / p.of);

class Recorder {
  readonly changes: RowChange[] = [];
  constructor(private readonly row: Int8Array) {}
  /** Runs `edit` on a field and records it when its cells changed. */
  field(name: string, start: number, bits: number, reason: string | (() => string | null), edit: () => void): void {
    const before = fieldText(this.row, start, bits);
    const snapshot = this.row.slice(start, start + bits);
    edit();
    let changed = false;
    for (let i = 0; i < bits; i++) if (snapshot[i] !== this.row[start + i]) changed = true;
    if (!changed) return;
    const why = typeof reason === 'function' ? reason() : reason;
    if (why !== null) this.changes.push({ field: name, before, after: fieldText(this.row, start, bits), reason: why });
  }
  clearBlock(block: LayoutBlock, reason: string): void {
    let n = 0;
    for (let i = 0; i < block.bits; i++) if (this.row[block.start + i] !== -1) n++;
    if (n === 0) return;
    this.row.fill(-1, block.start, block.start + block.bits);
    this.changes.push({ field: block.key, before: `${n} cells 0/1`, after: 'all -1', reason });
  }
}

function fillReasonText(r: FillReason): string {
  return `-1 cells filled: ${r}`;
}

/** Fills the -1 cells of every listed field of a block. */
function fillFields(rec: Recorder, row: Int8Array, block: LayoutBlock, names: readonly string[], opts: RowRepairOptions): void {
  const fields = FIELDS[block.key as Exclude<HeaderKey, 'payload'>];
  for (const name of names) {
    const f = fields.get(name);
    if (!f) continue;
    const start = block.start + f.offset;
    if (opts.missing && opts.missing[start] === 1) continue;
    let reason: FillReason | null = null;
    rec.field(
      name,
      start,
      f.bits,
      () => (reason ? fillReasonText(reason) : null),
      () => {
        reason = fillField(row, start, f.bits, name, opts.stats, opts.rng);
      },
    );
  }
}

function setField(rec: Recorder, row: Int8Array, block: LayoutBlock, name: string, value: number, reason: string): void {
  const f = FIELDS[block.key as Exclude<HeaderKey, 'payload'>].get(name);
  if (!f) return;
  rec.field(name, block.start + f.offset, f.bits, reason, () => writeField(row, block.start + f.offset, f.bits, value));
}

function readField(row: Int8Array, block: LayoutBlock, name: string): number {
  const f = FIELDS[block.key as Exclude<HeaderKey, 'payload'>].get(name);
  return f ? readBitsUint(row, block.start + f.offset, f.bits) : 0;
}

/**
 * Lowers the length field `name` to the largest value seen in training (`learned`, when fit saw
 * one) or else to `mtuDefault`, the Ethernet MTU's, when the row holds more.
 */
function capLength(rec: Recorder, row: Int8Array, block: LayoutBlock, name: string, what: string, learned: number | undefined, mtuDefault: number): void {
  const seen = learned !== undefined && learned > 0;
  const cap = seen ? learned : mtuDefault;
  if (readField(row, block, name) > cap)
    setField(rec, row, block, name, cap, `above the largest ${what} ${seen ? 'seen in training' : 'of an Ethernet MTU'} (${cap})`);
}

function candidates(learned: readonly [string, number][] | undefined, defaults: readonly string[]): LayoutCandidate[] {
  const valid = (learned ?? []).filter(([k]) => parseLayoutKey(k) !== null);
  if (valid.length > 0) return valid.map(([key, weight]) => ({ key, weight }));
  return defaults.map((key) => ({ key, weight: 0 }));
}

/**
 * Snaps an option area to the nearest layout and fills the option values it lacks
 * (MSS and window scale from learned values, timestamps and SACK edges seeded bits).
 * Returns the area's length in bytes.
 */
function snapOptions(
  rec: Recorder,
  row: Int8Array,
  start: number,
  family: OptionFamily,
  field: string,
  choices: readonly LayoutCandidate[],
  opts: RowRepairOptions,
): number {
  const area = 320;
  // An area that already is a valid layout (well-formed, known kinds) stays as it is; it is
  // snapped only when it needs padding to a whole number of 32-bit words.
  const own = parseOptionArea(row, start, area, family);
  const keep =
    own !== null && (family === 'tcp' ? own.options.every((o) => KNOWN_TCP_KINDS.has(o.kind)) : choices.some((c) => c.weight > 0 && c.key === own.key));
  if (keep && own.present === own.bytes) return own.bytes;
  const all = keep ? [...choices, { key: own.key, weight: Number.MAX_SAFE_INTEGER }] : choices;
  const choice = nearestLayout(row, start, area, all);
  const learned = choices.some((c) => c.weight > 0);
  const before = row.slice(start, start + area);
  for (let i = 0; i < area; i++) {
    const t = choice.template[i] as number;
    if (t === ABSENT) row[start + i] = -1;
    else if (t !== FREE) row[start + i] = t;
  }
  // Option values the row lacks: learned for MSS / window scale, seeded bits otherwise.
  let at = 0;
  for (const o of parseLayoutKey(choice.key) ?? []) {
    if (o.len > 2) {
      const vStart = start + (at + 2) * 8;
      const vBits = (o.len - 2) * 8;
      const name =
        family === 'tcp' && o.kind === 2 && o.len === 4
          ? OPTION_VALUE_FIELDS.mss
          : family === 'tcp' && o.kind === 3 && o.len === 3
            ? OPTION_VALUE_FIELDS.wscale
            : null;
      if (name) fillField(row, vStart, vBits, name, opts.stats, opts.rng);
      else for (let i = 0; i < vBits; i++) if (row[vStart + i] === -1) row[vStart + i] = opts.rng.int(2);
    }
    at += o.len;
  }
  let changed = 0;
  let present = 0;
  for (let i = 0; i < area; i++) {
    if (before[i] !== -1) present++;
    if (before[i] !== row[start + i]) changed++;
  }
  if (changed > 0) {
    rec.changes.push({
      field,
      before: `${present} cells 0/1`,
      after: `${describeLayout(choice.key, family)} (${choice.bytes} bytes)`,
      reason: `option area snapped to the nearest ${learned ? 'learned' : 'common'} layout, ${changed} cells changed (kind/length bytes set, cells outside it cleared, missing values filled)`,
    });
  }
  return choice.bytes;
}

function pickTransport(row: Int8Array, layout: NprintLayout, version: 4 | 6, opts: ShapeOptions): { transport: Transport | 'none'; why: string } {
  const allowed: Transport[] = version === 4 ? ['tcp', 'udp', 'icmp'] : ['tcp', 'udp'];
  const learned = opts.stats?.data.transports;
  let best: Transport | null = null;
  let bestScore = 0;
  const scores: string[] = [];
  for (const t of allowed) {
    const b = layout.block(t);
    if (!b) continue;
    const s = fraction(presentCount(row, b.start, FIXED_BITS[t]));
    scores.push(`${t} ${Math.round(s * 100)}%`);
    const tieBreak = best !== null && s === bestScore && (learned?.[t] ?? 0) > (learned?.[best] ?? 0);
    if (s > bestScore || tieBreak) {
      best = t;
      bestScore = s;
    }
  }
  if (best) return { transport: best, why: `most fixed-header cells 0/1 (${scores.join(', ')})` };
  // No transport cells at all: a later IPv4 fragment carries none (as nprint writes it).
  const b4 = layout.block('ipv4');
  if (version === 4 && b4 && presentCount(row, b4.start + 51, 13).present === 13 && readBitsUint(row, b4.start + 51, 13) > 0) {
    return { transport: 'none', why: 'non-first fragment' };
  }
  const usable = allowed.filter((t) => layout.block(t));
  if (learned) {
    const top = [...usable].sort((a, b) => (learned[b] ?? 0) - (learned[a] ?? 0))[0];
    if (top && (learned[top] ?? 0) > 0) return { transport: top, why: 'no transport cells: the most common learned transport' };
  }
  if (version === 4 && b4) {
    const proto = presentCount(row, b4.start + 72, 8).present === 8 ? readBitsUint(row, b4.start + 72, 8) : -1;
    const named = usable.find((t) => PROTOCOL[t] === proto);
    if (named) return { transport: named, why: 'no transport cells: the IPv4 protocol field names it' };
  }
  const first = usable[0];
  return first ? { transport: first, why: 'no transport cells: TCP by default' } : { transport: 'none', why: 'layout has no transport header' };
}

/**
 * Repairs one full layout row in place. Padding rows are left as they are.
 */
export function rowShape(row: Int8Array, layout: NprintLayout, opts: ShapeOptions): RowShape {
  const b4 = layout.block('ipv4');
  const b6 = layout.block('ipv6');
  const f4 = b4 ? fraction(presentCount(row, b4.start, IP_FIXED_BITS.ipv4, undefined)) : 0;
  const f6 = b6 ? fraction(presentCount(row, b6.start, IP_FIXED_BITS.ipv6, undefined)) : 0;
  const ipFraction = Math.max(f4, f6);
  if (ipFraction < opts.paddingBelow || (!b4 && !b6)) return { kind: 'padding', ipFraction };
  const learnedV = opts.stats?.data.versions;
  let version: 4 | 6;
  if (opts.force && layout.block(opts.force.version === 4 ? 'ipv4' : 'ipv6')) version = opts.force.version;
  else if (!b6) version = 4;
  else if (!b4) version = 6;
  else if (f4 !== f6) version = f4 > f6 ? 4 : 6;
  else version = learnedV && learnedV.v6 > learnedV.v4 ? 6 : 4;
  const own = pickTransport(row, layout, version, opts);
  const forced = opts.force?.transport;
  if (forced && own.transport !== 'none' && layout.block(forced) && (version === 4 || forced !== 'icmp')) {
    const why =
      forced === own.transport
        ? own.why
        : `one conversation per sample: the sample is ${forced.toUpperCase()} (the row alone: ${own.transport.toUpperCase()}, ${own.why})`;
    return { kind: 'packet', version, transport: forced, why, f4, f6 };
  }
  return { kind: 'packet', version, transport: own.transport, why: own.why, f4, f6 };
}

/**
 * Repairs one full layout row in place. Padding rows are left as they are.
 */
export function repairRow(row: Int8Array, layout: NprintLayout, opts: RowRepairOptions): RowRepairResult {
  const shape = rowShape(row, layout, opts);
  if (shape.kind === 'padding') {
    let cells = 0;
    for (let i = 0; i < row.length; i++) if (row[i] !== -1) cells++;
    return { kind: 'padding', ipFraction: shape.ipFraction, cells };
  }
  const { version, transport, why, f4, f6 } = shape;
  const b4 = layout.block('ipv4');
  const b6 = layout.block('ipv6');
  const rec = new Recorder(row);
  const ip = (version === 4 ? b4 : b6) as LayoutBlock;
  const other = version === 4 ? b6 : b4;
  const pct = (f: number): string => `${Math.round(f * 100)}%`;
  if (other) rec.clearBlock(other, `the row is IPv${version}: IPv4 fixed header ${pct(f4)} 0/1, IPv6 ${pct(f6)}`);

  for (const t of ['tcp', 'udp', 'icmp'] as const) {
    const b = layout.block(t);
    if (b && t !== transport)
      rec.clearBlock(
        b,
        transport === 'none' ? `no transport header (${why})` : `one transport per ${opts.force ? 'sample' : 'row'}: ${transport.toUpperCase()} (${why})`,
      );
  }

  const stats = opts.stats;
  if (version === 4) {
    setField(rec, row, ip, 'ipv4_ver', 4, 'an IPv4 header has version 4');
    if (transport !== 'none') {
      setField(rec, row, ip, 'ipv4_proto', PROTOCOL[transport], `the row's transport header is ${transport.toUpperCase()}`);
      setField(rec, row, ip, 'ipv4_foff', 0, 'a datagram with a transport header is a first fragment (offset 0)');
      // Without fragments in the training rows a lone "first fragment" is noise: its other
      // fragments are no rows of the sample, and tshark would not dissect its transport.
      const mf = stats?.field('ipv4_mfbit');
      if (!mf || (mf.ones[0] ?? 0) === 0) {
        setField(rec, row, ip, 'ipv4_mfbit', 0, `a whole datagram: no more fragments (${mf ? 'no fragments in the training rows' : 'nothing learned'})`);
      }
    }
    const v4Fields = [
      'ipv4_tos',
      'ipv4_tl',
      'ipv4_id',
      'ipv4_rbit',
      'ipv4_dfbit',
      'ipv4_mfbit',
      'ipv4_foff',
      'ipv4_ttl',
      'ipv4_proto',
      'ipv4_cksum',
      'ipv4_src',
      'ipv4_dst',
    ];
    fillFields(rec, row, ip, v4Fields, opts);
    capLength(rec, row, ip, 'ipv4_tl', 'total length', stats?.data.maxIpv4TotalLength, DEFAULT_MAX_IPV4_TOTAL);
    const bytes = snapOptions(rec, row, ip.start + 160, 'ipv4', 'ipv4_opt', candidates(stats?.data.ipv4Options, DEFAULT_IPV4_LAYOUTS), opts);
    setField(rec, row, ip, 'ipv4_hl', 5 + bytes / 4, `IHL from the header present (20 + ${bytes} option bytes)`);
  } else {
    setField(rec, row, ip, 'ipv6_ver', 6, 'an IPv6 header has version 6');
    fillFields(rec, row, ip, ['ipv6_tc', 'ipv6_fl', 'ipv6_len', 'ipv6_hl', 'ipv6_src', 'ipv6_dst'], opts);
    if (transport !== 'none') setField(rec, row, ip, 'ipv6_nh', PROTOCOL[transport], `the row's transport header is ${transport.toUpperCase()}`);
    else fillFields(rec, row, ip, ['ipv6_nh'], opts);
    capLength(rec, row, ip, 'ipv6_len', 'payload length', stats?.data.maxIpv6PayloadLength, DEFAULT_MAX_IPV6_PAYLOAD);
  }

  if (transport !== 'none') {
    const tb = layout.block(transport) as LayoutBlock;
    const names = HEADER_FIELDS[transport].map((f) => f.name).filter((n) => n !== 'tcp_doff' && n !== 'tcp_opt');
    fillFields(rec, row, tb, names, opts);
    if (transport === 'tcp') {
      const syn = row[tb.start + 110] === 1;
      const learned = syn ? stats?.data.tcpOptions.syn : stats?.data.tcpOptions.other;
      const bytes = snapOptions(
        rec,
        row,
        tb.start + 160,
        'tcp',
        'tcp_opt',
        candidates(learned, syn ? DEFAULT_TCP_LAYOUTS.syn : DEFAULT_TCP_LAYOUTS.other),
        opts,
      );
      setField(rec, row, tb, 'tcp_doff', 5 + bytes / 4, `data offset from the header present (20 + ${bytes} option bytes)`);
    }
  }

  const pb = layout.block('payload');
  if (pb) {
    let n = 0;
    while (n < pb.bits && row[pb.start + n] !== -1) n++;
    const keep = n - (n % 8);
    let dropped = 0;
    for (let i = keep; i < pb.bits; i++) if (row[pb.start + i] !== -1) dropped++;
    if (dropped > 0) {
      row.fill(-1, pb.start + keep, pb.start + pb.bits);
      rec.changes.push({
        field: 'payload',
        before: `${dropped} cells 0/1 after byte ${keep / 8}`,
        after: `${keep / 8} bytes`,
        reason: 'payload cut at its first -1 cell (whole bytes kept)',
      });
    }
  }
  return { kind: 'packet', version, transport, changes: rec.changes };
}
