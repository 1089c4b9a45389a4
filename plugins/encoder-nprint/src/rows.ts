import { createRng, deriveSeed, LinkType, type DecodeProblem, type Packet } from '@netsynth/core';
import { AddressFiller, type AddressFillOptions } from './addresses.js';
import { bitsToIpDatagram } from './bits-to-ip.js';
import { gapsUs } from './iat.js';
import { ipDatagramToBits, type SkipCode } from './ip-to-bits.js';
import { buildLayout, NETDIFFUSION_SELECTION, NPRINT_INDEX_COLUMN, type HeaderSelection, type NprintLayout } from './layout.js';
import { ipBytesForNprint, type IpLocator } from './locate-ip.js';
import { applyConversation, ConversationPlanner, IdContinuation, type ConversationMode, type ConversationPlan } from './conversation.js';
import { repairRow, rowShape, type RowChange } from './repair-row.js';
import type { RowStats } from './row-stats.js';
import { expandRow, mapTableToLayout, type NprintTable } from './table.js';

export interface SkippedPacket {
  /** Index of the packet in the input list. */
  packetIndex: number;
  code: SkipCode;
  message: string;
}

export interface PacketsToRowsOptions {
  /** Headers to write (default NetDiffusion's: IPv4, IPv6, TCP, UDP, ICMP, no payload). */
  selection?: HeaderSelection;
  /** Add nprint's `rts` column (µs since the previous written packet), as `nprint -R`. */
  relativeTimestamps?: boolean;
  /** Stop after this many rows (`nprint -c N`); default all. */
  maxRows?: number;
  /** Finds the IP header in a captured frame; default: nprint's rules (see locate-ip.ts). */
  locateIp?: IpLocator;
}

export interface PacketsToRowsResult {
  table: NprintTable;
  /** packetIndex[r]: input packet of row r. */
  packetIndex: number[];
  skipped: SkippedPacket[];
  /** Rows of packets whose headers the snap length cut (kept: captured bits, -1 from the cut on). */
  truncated: number;
}

/**
 * Packets → nPrint rows, as `nprint -4 -6 -t -u -i [-p N] [-R]` writes them: one row per
 * packet it can represent, in input order, the `src_ip` index column first.
 */
export function packetsToRows(packets: readonly Packet[], options: PacketsToRowsOptions = {}): PacketsToRowsResult {
  const layout = buildLayout(options.selection ?? NETDIFFUSION_SELECTION);
  const locate = options.locateIp ?? ipBytesForNprint;
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const width = layout.columns.length;
  const capacity = Math.min(packets.length, maxRows);
  let bits = new Int8Array(Math.max(0, capacity) * width);
  const index: string[] = [];
  const packetIndex: number[] = [];
  const skipped: SkippedPacket[] = [];
  const times: bigint[] = [];
  let truncated = 0;
  for (let i = 0; i < packets.length && index.length < maxRows; i++) {
    const packet = packets[i] as Packet;
    const ip = locate(packet);
    if (!ip) {
      skipped.push({ packetIndex: i, code: 'not-ip', message: `link type ${packet.linkType}: not an IPv4/IPv6 frame` });
      continue;
    }
    const r = index.length;
    if ((r + 1) * width > bits.length) {
      const grown = new Int8Array(Math.max(bits.length * 2, (r + 1) * width));
      grown.set(bits);
      bits = grown;
    }
    const res = ipDatagramToBits(ip, layout, bits, r * width);
    if (!res.ok) {
      skipped.push({ packetIndex: i, code: res.code, message: res.message });
      continue;
    }
    index.push(res.srcIp);
    packetIndex.push(i);
    if (res.truncated) truncated++;
    times.push(packet.timestampNs);
  }
  const rowCount = index.length;
  const rts = options.relativeTimestamps ? gapsUs(times) : null;
  const table: NprintTable = {
    indexColumn: NPRINT_INDEX_COLUMN,
    extraColumns: rts ? ['rts'] : [],
    columns: [...layout.columns],
    index,
    extras: index.map((_, r) => (rts ? [String(rts[r])] : [])),
    bits: bits.slice(0, rowCount * width),
    rowCount,
  };
  return { table, packetIndex, skipped, truncated };
}

export interface RowsToPacketsOptions {
  /** Addresses for tables without address columns (see AddressFiller). */
  addresses?: AddressFillOptions;
  /** Timestamps per row (ns); default from the `rts` or `tv_sec`/`tv_usec` columns, else 0. */
  timestampsNs?: readonly bigint[];
  /** Layout to decode against; default the smallest one holding the table's columns. */
  layout?: NprintLayout;
  /**
   * `strict` (default): the bits as they are; a row that cannot be a packet is a problem.
   * `repair`: such rows are first made into the nearest packet structure (repair-row.ts),
   * every change reported; padding rows stay padding.
   */
  rows?: RowMode;
  /** Options of `rows: 'repair'`. */
  repair?: RowRepairSettings;
}

export type RowMode = 'strict' | 'repair';

export interface RowRepairSettings {
  /** Learned value distributions (NprintEncoder.fit, RowStats.fromTable); default none. */
  stats?: RowStats | null;
  /** Seed of the bits nothing else decides (each row gets its own stream). */
  seed?: number;
  /** IP fixed-header fraction below which a row is padding (default 0.5). */
  paddingBelow?: number;
  /**
   * `sample` (default): the rows are one conversation — one version, transport, port pair,
   * a handshake, one direction's IDs counting (conversation.ts). `row`: each row on its own.
   */
  conversation?: ConversationMode;
}

/** What row repair did to one row. */
export interface RowRepair {
  index: number;
  version: 4 | 6;
  transport: 'tcp' | 'udp' | 'icmp' | 'none';
  changes: RowChange[];
}

/** Counts of a repair-mode decode. */
export interface RowRepairSummary {
  rows: number;
  packets: number;
  /** Rows changed by repair (each listed in problems with its fields). */
  repaired: number;
  /** Rows already packets as generated. */
  unchanged: number;
  /** Rows recognised as padding: all -1, or below paddingBelow (those are reported). */
  padding: number;
  nearPadding: number;
  /** Changes per field (`ipv4_ver`, `tcp_opt`, `udp`...). */
  fields: Record<string, number>;
  /** Changes per reason kind (`-1 cells filled: learned value`...). */
  reasons: Record<string, number>;
  versions: { v4: number; v6: number };
  transports: { tcp: number; udp: number; icmp: number; none: number };
  /** `conversation: 'sample'`: what the sample's rows were made to follow (null: no packet row). */
  conversation: (ConversationPlan & { mode: 'sample'; directions: [number, number] }) | { mode: 'row' } | null;
}

export interface RowsToPacketsResult {
  /** Raw-IP packets (link type 101), one per decodable row, in row order. */
  packets: Packet[];
  /** rowOfPacket[k]: table row of packets[k]. */
  rowOfPacket: number[];
  /** Rows that could not become a packet (with their row index), never silently dropped. */
  problems: DecodeProblem[];
  /** Rows that became a packet although their bits contradict themselves. */
  notes: DecodeProblem[];
  /** First all -1 (padding) row, where the sample ends; null when there is none (repair mode: the first padding row). */
  paddingFrom: number | null;
  /** Addresses written into rows whose table had no address columns. */
  filledAddresses?: ReturnType<AddressFiller['pairs']>;
  /** `rows: 'repair'` only: every repaired row with its changes, and the counts. */
  repairs?: RowRepair[];
  repairSummary?: RowRepairSummary;
}

const reasonKind = (reason: string): string =>
  reason
    .replace(/\s*\(.*$/, '')
    .replace(/, \d+ cells changed$/, '')
    .replace(/^(the row is IPv\d):.*$/, '$1');

const REPAIRED_PREFIX = 'repaired into an IPv';
const SUMMARY_PREFIX = 'row repair: ';

/** True for the entries `rows: 'repair'` adds to `problems` (a repaired row, or the counts line), not a failed row. */
export function isRowRepairReport(problem: DecodeProblem): boolean {
  return problem.kind === 'repaired' || problem.kind === 'summary';
}

/** The prefix of the counts line (`formatRepairSummary`). */
export const ROW_REPAIR_SUMMARY_PREFIX = SUMMARY_PREFIX;

function describeRepair(rep: RowRepair): string {
  const parts = rep.changes.map((c) => `${c.field} ${c.before} → ${c.after} (${c.reason})`);
  return `${REPAIRED_PREFIX}${rep.version}${rep.transport === 'none' ? '' : `/${rep.transport.toUpperCase()}`} packet, ${rep.changes.length} field(s) changed: ${parts.join('; ')}`;
}

function rowTimestampsNs(table: NprintTable): bigint[] | null {
  const rts = table.extraColumns.indexOf('rts');
  const sec = table.extraColumns.indexOf('tv_sec');
  const usec = table.extraColumns.indexOf('tv_usec');
  const num = (r: number, k: number): bigint => {
    const s = table.extras[r]?.[k] ?? '0';
    return /^-?\d+$/.test(s) ? BigInt(s) : 0n;
  };
  if (sec >= 0 && usec >= 0) return table.index.map((_, r) => num(r, sec) * 1_000_000_000n + num(r, usec) * 1000n);
  if (rts >= 0) {
    let t = 0n;
    return table.index.map((_, r) => {
      if (r > 0) t += num(r, rts) * 1000n;
      return t;
    });
  }
  return null;
}

/** First pass of `conversation: 'sample'`: each row's own structure, then the sample's plan. */
function planConversation(
  table: NprintTable,
  mapping: ReturnType<typeof mapTableToLayout>,
  row: Int8Array,
  stats: RowStats | null,
  paddingBelow: number,
  seed: number,
): ReturnType<ConversationPlanner['plan']> {
  const planner = new ConversationPlanner();
  for (let r = 0; r < table.rowCount; r++) {
    expandRow(table, mapping, r, row);
    planner.add(row, mapping.layout, rowShape(row, mapping.layout, { stats, paddingBelow }));
  }
  return planner.plan(stats, createRng(deriveSeed(seed, 'conversation')));
}

/**
 * nPrint rows → raw-IP packets, like nprint's reverse mode (`-N in.nprint -W out.pcap`)
 * but never inventing validity: see bitsToIpDatagram. The first all -1 row ends the
 * sample (padding); non-empty rows after it are reported as problems.
 */
export function rowsToPackets(table: NprintTable, options: RowsToPacketsOptions = {}): RowsToPacketsResult {
  const mapping = mapTableToLayout(table, options.layout);
  const layout = mapping.layout;
  const present = new Set(table.columns);
  const lacksAddresses = layout.addressColumns.some((i) => !present.has(layout.columns[i] as string));
  const filler = lacksAddresses ? new AddressFiller(options.addresses) : null;
  const times = options.timestampsNs ?? rowTimestampsNs(table);
  const row = new Int8Array(layout.columns.length);
  const packets: Packet[] = [];
  const rowOfPacket: number[] = [];
  const problems: DecodeProblem[] = [];
  const notes: DecodeProblem[] = [];
  let paddingFrom: number | null = null;
  const repairing = options.rows === 'repair';
  const missing = new Uint8Array(layout.columns.length).fill(1);
  for (let c = 0; c < mapping.layoutIndex.length; c++) missing[mapping.layoutIndex[c] as number] = 0;
  const repairs: RowRepair[] = [];
  const summary: RowRepairSummary = {
    rows: table.rowCount,
    packets: 0,
    repaired: 0,
    unchanged: 0,
    padding: 0,
    nearPadding: 0,
    fields: {},
    reasons: {},
    versions: { v4: 0, v6: 0 },
    transports: { tcp: 0, udp: 0, icmp: 0, none: 0 },
    conversation: { mode: 'row' },
  };
  const repairSeed = options.repair?.seed ?? 0;
  const paddingBelow = options.repair?.paddingBelow ?? 0.5;
  const stats = options.repair?.stats ?? null;
  const planned =
    repairing && (options.repair?.conversation ?? 'sample') === 'sample' ? planConversation(table, mapping, row, stats, paddingBelow, repairSeed) : undefined;
  if (planned !== undefined) {
    summary.conversation = planned && {
      ...planned.plan,
      mode: 'sample',
      directions: [planned.directions.filter((d) => d === 0).length, planned.directions.filter((d) => d === 1).length],
    };
  }
  const ids = planned ? new IdContinuation(planned.plan) : null;
  let k = 0;
  for (let r = 0; r < table.rowCount; r++) {
    expandRow(table, mapping, r, row);
    if (repairing) {
      // Every row on its own: a padding row inside a generated sample does not end it.
      const plan = planned?.plan;
      const dir = planned?.directions[k] ?? 0;
      const shaped = plan && rowShape(row, layout, { stats, paddingBelow }).kind === 'packet';
      const before = shaped ? applyConversation(row, layout, plan, k, dir) : [];
      const rep = repairRow(row, layout, {
        stats,
        rng: createRng(deriveSeed(repairSeed, `row-repair|${r}`)),
        paddingBelow,
        missing,
        ...(plan && { force: { version: plan.version, transport: plan.transport } }),
      });
      if (rep.kind === 'packet') {
        if (shaped) k++;
        rep.changes = [...before, ...rep.changes, ...(ids?.apply(row, layout, dir) ?? [])];
      }
      if (rep.kind === 'padding') {
        summary.padding++;
        if (paddingFrom === null) paddingFrom = r;
        if (rep.cells > 0) {
          summary.nearPadding++;
          problems.push({
            index: r,
            message: `padding, not a packet: only ${Math.round(rep.ipFraction * 100)}% of the IP fixed-header cells are 0/1 (below ${Math.round(paddingBelow * 100)}%); its ${rep.cells} 0/1 cells ignored`,
          });
        }
        continue;
      }
      const entry: RowRepair = { index: r, version: rep.version, transport: rep.transport, changes: rep.changes };
      summary.versions[rep.version === 4 ? 'v4' : 'v6']++;
      summary.transports[rep.transport]++;
      if (rep.changes.length > 0) {
        repairs.push(entry);
        summary.repaired++;
        for (const c of rep.changes) {
          summary.fields[c.field] = (summary.fields[c.field] ?? 0) + 1;
          const k = reasonKind(c.reason);
          summary.reasons[k] = (summary.reasons[k] ?? 0) + 1;
        }
        problems.push({ index: r, message: describeRepair(entry), kind: 'repaired' });
      } else {
        summary.unchanged++;
      }
    } else if (paddingFrom !== null) {
      if (row.some((v) => v !== -1)) problems.push({ index: r, message: `row after the padding that starts at row ${paddingFrom} is not padding; ignored` });
      continue;
    }
    if (filler) filler.fill(row, layout);
    const res = bitsToIpDatagram(row, 0, layout);
    if (res.kind === 'padding') {
      if (paddingFrom === null) paddingFrom = r;
      continue;
    }
    if (res.kind === 'problem') {
      problems.push({ index: r, message: repairing ? `still not a packet after row repair (a bug): ${res.message}` : res.message });
      continue;
    }
    for (const n of res.notes) notes.push({ index: r, message: n });
    packets.push({
      timestampNs: times?.[r] ?? 0n,
      capturedLength: res.bytes.length,
      originalLength: res.bytes.length,
      linkType: LinkType.RAW,
      data: res.bytes,
    });
    rowOfPacket.push(r);
  }
  summary.packets = packets.length;
  const result: RowsToPacketsResult = { packets, rowOfPacket, problems, notes, paddingFrom };
  if (filler) result.filledAddresses = filler.pairs();
  if (repairing) {
    result.repairs = repairs;
    result.repairSummary = summary;
  }
  return result;
}
