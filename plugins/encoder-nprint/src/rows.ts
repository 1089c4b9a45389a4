import { LinkType, type DecodeProblem, type Packet } from '@netsynth/core';
import { AddressFiller, type AddressFillOptions } from './addresses.js';
import { bitsToIpDatagram } from './bits-to-ip.js';
import { gapsUs } from './iat.js';
import { ipDatagramToBits, type SkipCode } from './ip-to-bits.js';
import { buildLayout, NETDIFFUSION_SELECTION, NPRINT_INDEX_COLUMN, type HeaderSelection, type NprintLayout } from './layout.js';
import { ipBytesForNprint, type IpLocator } from './locate-ip.js';
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
  return { table, packetIndex, skipped };
}

export interface RowsToPacketsOptions {
  /** Addresses for tables without address columns (see AddressFiller). */
  addresses?: AddressFillOptions;
  /** Timestamps per row (ns); default from the `rts` or `tv_sec`/`tv_usec` columns, else 0. */
  timestampsNs?: readonly bigint[];
  /** Layout to decode against; default the smallest one holding the table's columns. */
  layout?: NprintLayout;
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
  /** First all -1 (padding) row, where the sample ends; null when there is none. */
  paddingFrom: number | null;
  /** Addresses written into rows whose table had no address columns. */
  filledAddresses?: ReturnType<AddressFiller['pairs']>;
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
  for (let r = 0; r < table.rowCount; r++) {
    expandRow(table, mapping, r, row);
    if (paddingFrom !== null) {
      if (row.some((v) => v !== -1)) problems.push({ index: r, message: `row after the padding that starts at row ${paddingFrom} is not padding; ignored` });
      continue;
    }
    if (filler) filler.fill(row, layout);
    const res = bitsToIpDatagram(row, 0, layout);
    if (res.kind === 'padding') {
      paddingFrom = r;
      continue;
    }
    if (res.kind === 'problem') {
      problems.push({ index: r, message: res.message });
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
  const result: RowsToPacketsResult = { packets, rowOfPacket, problems, notes, paddingFrom };
  if (filler) result.filledAddresses = filler.pairs();
  return result;
}
