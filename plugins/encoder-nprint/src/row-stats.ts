import { EncodingError, type JsonValue } from '@netsynth/core';
import { readBitsUint } from './bits.js';
import { HEADER_FIELDS, type NprintLayout } from './layout.js';
import { IdDirections } from './ip-id.js';
import { parseOptionArea, type OptionLayout } from './option-layouts.js';
import { expandRow, mapTableToLayout, type NprintTable } from './table.js';

/**
 * Value distributions of real nPrint rows, learned by the encoder's `fit` (or from a
 * capture / CSV on the command line) so that row repair fills a missing field with a
 * value real traffic uses instead of a random bit (NetDiffusion's choice).
 *
 * Per header field: how often each value occurs (top values, fields up to 16 bits) and how
 * often each bit is 1 (every field). Per row: the IP version and transport, the TCP option
 * layouts of SYN and non-SYN segments, the IPv4 option layouts, the largest IP length.
 */
export interface FieldStat {
  /** Rows in which the field was present. */
  n: number;
  /** [value, count], most frequent first (fields ≤ 16 bits; at most TOP_VALUES). */
  top: [number, number][];
  /** ones[i]: rows in which bit i (most significant first) was 1. */
  ones: number[];
}

export interface RowStatsData {
  kind: typeof ROW_STATS_KIND;
  rows: number;
  fields: Record<string, FieldStat>;
  versions: { v4: number; v6: number };
  transports: { tcp: number; udp: number; icmp: number; none: number };
  /** TCP option layouts (see option-layouts.ts keys) with counts, SYN and other segments. */
  tcpOptions: { syn: [string, number][]; other: [string, number][] };
  ipv4Options: [string, number][];
  /** Largest IPv4 total length / IPv6 payload length seen (0: none seen). */
  maxIpv4TotalLength: number;
  maxIpv6PayloadLength: number;
  /**
   * Per training sample (absent in statistics saved before it was learned): whether its
   * first TCP row is a SYN (the flow starts inside the sample), and per direction whether
   * IPv4 IDs count up or are drawn at random (ip-id.ts). Row repair's one-conversation
   * pass reads them.
   */
  samples?: { tcpStarts: { syn: number; other: number }; ipIdDirections: { counting: number; random: number } };
}

export const ROW_STATS_KIND = 'netsynth.nprint-row-stats/1';
const TOP_VALUES = 64;
/** Distinct values tracked while learning before a field is treated as high-cardinality. */
const TRACK_LIMIT = 4096;
/** Option values learned as fields (MSS and window-scale shift). */
export const OPTION_VALUE_FIELDS = { mss: 'tcp_optval_mss', wscale: 'tcp_optval_wscale' } as const;

class FieldCounter {
  n = 0;
  readonly ones: number[];
  private values: Map<number, number> | null;
  constructor(readonly bits: number) {
    this.ones = new Array<number>(bits).fill(0);
    this.values = bits <= 16 ? new Map() : null;
  }
  add(bits: Int8Array, start: number): void {
    this.n++;
    for (let i = 0; i < this.bits; i++) if (bits[start + i] === 1) this.ones[i] = (this.ones[i] ?? 0) + 1;
    if (this.values) {
      const v = readBitsUint(bits, start, this.bits);
      this.values.set(v, (this.values.get(v) ?? 0) + 1);
      if (this.values.size > TRACK_LIMIT) this.values = null;
    }
  }
  addValue(v: number): void {
    this.n++;
    for (let i = 0; i < this.bits; i++) if ((v >>> (this.bits - 1 - i)) & 1) this.ones[i] = (this.ones[i] ?? 0) + 1;
    if (this.values) this.values.set(v, (this.values.get(v) ?? 0) + 1);
  }
  result(): FieldStat {
    const top = this.values ? [...this.values.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TOP_VALUES) : [];
    return { n: this.n, top, ones: [...this.ones] };
  }
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
const sorted = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_VALUES);

/** Accumulates rows (full layout rows, as rowsToPackets expands them). */
export class RowStatsLearner {
  private rows = 0;
  private readonly fields = new Map<string, FieldCounter>();
  private readonly versions = { v4: 0, v6: 0 };
  private readonly transports = { tcp: 0, udp: 0, icmp: 0, none: 0 };
  private readonly tcpSyn = new Map<string, number>();
  private readonly tcpOther = new Map<string, number>();
  private readonly ipv4Opt = new Map<string, number>();
  private maxTl = 0;
  private maxPl = 0;
  private readonly tcpStarts = { syn: 0, other: 0 };
  private readonly idCounts = { counting: 0, random: 0 };
  private sample: { sawTcp: boolean; ids: IdDirections } | null = null;

  /** Rows added until endSample form one sample (one flow, or one capture / CSV). */
  beginSample(): void {
    this.endSample();
    this.sample = { sawTcp: false, ids: new IdDirections() };
  }

  endSample(): void {
    if (!this.sample) return;
    const c = this.sample.ids.classify();
    this.idCounts.counting += c.counting;
    this.idCounts.random += c.random;
    this.sample = null;
  }

  private counter(name: string, bits: number): FieldCounter {
    let c = this.fields.get(name);
    if (!c) this.fields.set(name, (c = new FieldCounter(bits)));
    return c;
  }

  /** One decodable row (a real packet's bits); rows whose IP header is incomplete are ignored. */
  addRow(row: Int8Array, layout: NprintLayout): void {
    const b4 = layout.block('ipv4');
    const b6 = layout.block('ipv6');
    const v4 = b4 !== undefined && row[b4.start] !== -1;
    const v6 = !v4 && b6 !== undefined && row[b6.start] !== -1;
    if (!v4 && !v6) return;
    const ip = (v4 ? b4 : b6)!;
    for (let i = 0; i < (v4 ? 96 : 64); i++) if (row[ip.start + i] === -1) return;
    this.rows++;
    v4 ? this.versions.v4++ : this.versions.v6++;
    let transport: 'tcp' | 'udp' | 'icmp' | 'none' = 'none';
    for (const key of ['tcp', 'udp', 'icmp'] as const) {
      const b = layout.block(key);
      if (b && row[b.start] !== -1) transport = key;
    }
    this.transports[transport]++;
    for (const block of layout.blocks) {
      if (block.key === 'payload' || row[block.start] === -1) continue;
      let at = block.start;
      for (const field of block.fields) {
        const complete = !field.name.endsWith('_opt') && !field.name.endsWith('_src') && !field.name.endsWith('_dst');
        if (complete) {
          let known = true;
          for (let i = 0; i < field.bits; i++) if (row[at + i] === -1) known = false;
          if (known) this.counter(field.name, field.bits).add(row, at);
        }
        at += field.bits;
      }
    }
    if (this.sample) this.addToSample(row, layout, v4, transport);
    if (v4) {
      this.maxTl = Math.max(this.maxTl, readBitsUint(row, ip.start + 16, 16));
      const opt = parseOptionArea(row, ip.start + 160, 320, 'ipv4');
      if (opt) bump(this.ipv4Opt, opt.key);
    } else {
      this.maxPl = Math.max(this.maxPl, readBitsUint(row, ip.start + 32, 16));
    }
    const tcp = layout.block('tcp');
    if (transport === 'tcp' && tcp) {
      const opt = parseOptionArea(row, tcp.start + 160, 320, 'tcp');
      if (opt) {
        bump(row[tcp.start + 110] === 1 ? this.tcpSyn : this.tcpOther, opt.key);
        this.addOptionValues(opt);
      }
    }
  }

  private addToSample(row: Int8Array, layout: NprintLayout, v4: boolean, transport: 'tcp' | 'udp' | 'icmp' | 'none'): void {
    const sample = this.sample!;
    const tcp = layout.block('tcp');
    if (transport === 'tcp' && tcp && !sample.sawTcp) {
      sample.sawTcp = true;
      row[tcp.start + 110] === 1 ? this.tcpStarts.syn++ : this.tcpStarts.other++;
    }
    const ip = layout.block('ipv4');
    if (!v4 || !ip) return;
    // A direction: source address and source port (ICMP: address only).
    const t = transport === 'tcp' || transport === 'udp' ? layout.block(transport) : undefined;
    const src = presentPrefixAll(row, ip.start + 96, 32) ? readBitsUint(row, ip.start + 96, 32) : -1;
    const port = t && presentPrefixAll(row, t.start, 16) ? readBitsUint(row, t.start, 16) : -1;
    sample.ids.add(`${src}:${port}`, readBitsUint(row, ip.start + 32, 16));
  }

  private addOptionValues(opt: OptionLayout): void {
    for (const o of opt.options) {
      if (o.kind === 2 && o.value !== undefined && o.len === 4) this.counter(OPTION_VALUE_FIELDS.mss, 16).addValue(o.value);
      if (o.kind === 3 && o.value !== undefined && o.len === 3) this.counter(OPTION_VALUE_FIELDS.wscale, 8).addValue(o.value);
    }
  }

  addTable(table: NprintTable): void {
    const mapping = mapTableToLayout(table);
    const row = new Int8Array(mapping.layout.columns.length);
    this.beginSample();
    for (let r = 0; r < table.rowCount; r++) {
      expandRow(table, mapping, r, row);
      this.addRow(row, mapping.layout);
    }
    this.endSample();
  }

  result(): RowStats {
    this.endSample();
    const fields: Record<string, FieldStat> = {};
    for (const [name, c] of [...this.fields.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) fields[name] = c.result();
    return new RowStats({
      kind: ROW_STATS_KIND,
      rows: this.rows,
      fields,
      versions: { ...this.versions },
      transports: { ...this.transports },
      tcpOptions: { syn: sorted(this.tcpSyn), other: sorted(this.tcpOther) },
      ipv4Options: sorted(this.ipv4Opt),
      maxIpv4TotalLength: this.maxTl,
      maxIpv6PayloadLength: this.maxPl,
      samples: { tcpStarts: { ...this.tcpStarts }, ipIdDirections: { ...this.idCounts } },
    });
  }
}

/** Learned distributions, as repair reads them; JSON-serialisable for the encoder state. */
export class RowStats {
  constructor(readonly data: RowStatsData) {}

  static fromTable(table: NprintTable): RowStats {
    const l = new RowStatsLearner();
    l.addTable(table);
    return l.result();
  }

  field(name: string): FieldStat | undefined {
    const f = this.data.fields[name];
    return f && f.n > 0 ? f : undefined;
  }

  toJson(): JsonValue {
    return JSON.parse(JSON.stringify(this.data)) as JsonValue;
  }

  static fromJson(json: JsonValue): RowStats {
    if (typeof json !== 'object' || json === null || Array.isArray(json) || json['kind'] !== ROW_STATS_KIND) {
      throw new EncodingError(`not nPrint row statistics (expected kind ${ROW_STATS_KIND})`);
    }
    return new RowStats(json as unknown as RowStatsData);
  }
}

function presentPrefixAll(row: Int8Array, start: number, bits: number): boolean {
  for (let i = 0; i < bits; i++) if (row[start + i] === -1) return false;
  return true;
}

/** Fields every row has a fixed width for (no options, no addresses), by header. */
export function fixedFields(key: 'ipv4' | 'ipv6' | 'tcp' | 'udp' | 'icmp'): { name: string; bits: number; offset: number }[] {
  const out: { name: string; bits: number; offset: number }[] = [];
  let at = 0;
  for (const f of HEADER_FIELDS[key]) {
    out.push({ name: f.name, bits: f.bits, offset: at });
    at += f.bits;
  }
  return out;
}
