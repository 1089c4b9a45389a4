import { ConfigError } from '@netsynth/core';
import type { TimeFraction, TimeUnit } from './values.js';

/** NetShare's record fields, in the order of its preprocessed CSVs. */
export const RECORD_FIELDS = ['srcip', 'dstip', 'srcport', 'dstport', 'proto', 'ts', 'td', 'pkt', 'byt'] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** How a file writes its values, so synthetic rows come out the way the input wrote them. */
export interface ValueFormats {
  /** Addresses as dotted quads or unsigned 32-bit integers. */
  address: 'dotted' | 'integer';
  /** Protocols as names (TCP, UDP…) or IP protocol numbers. */
  proto: 'name' | 'number';
  /**
   * Start times as a number since the epoch in its unit (NetShare: microseconds; UGR16-style
   * files: seconds, `1458000000.0`) or date-time text (CIDDS, nfdump).
   */
  ts: TimeUnit | 'datetime';
  /** The fraction numeric start times are written with (absent: none, integers). */
  tsFraction?: TimeFraction;
}

/**
 * The layout of a record file: its header in order, which column holds each record field,
 * and the value formats seen in its first data row. The writer keeps all of it.
 */
export interface RecordSchema {
  header: string[];
  columns: Record<RecordField, string>;
  formats: ValueFormats;
}

export const DEFAULT_FORMATS: ValueFormats = { address: 'dotted', proto: 'name', ts: 'microseconds' };

/** NetShare's header with its label columns after the record fields. */
export function netshareSchema(extraColumns: readonly string[] = []): RecordSchema {
  const columns = Object.fromEntries(RECORD_FIELDS.map((f) => [f, f])) as Record<RecordField, string>;
  return { header: [...RECORD_FIELDS, ...extraColumns], columns, formats: { ...DEFAULT_FORMATS } };
}

/**
 * Which column holds each field: the column map (field → column name) where it names the
 * field, else the column named like the field (case and surrounding spaces ignored). A
 * field no column holds is a ConfigError at `input.recordColumns`.
 */
export function resolveColumns(header: readonly string[], map: Readonly<Record<string, string>>, file: string): Record<RecordField, string> {
  for (const key of Object.keys(map)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(`unknown record field "${key}"`, `input.recordColumns.${key}`, undefined, RECORD_FIELDS.join(' | '));
    }
  }
  const norm = (s: string): string => s.trim().toLowerCase();
  const out: Partial<Record<RecordField, string>> = {};
  for (const field of RECORD_FIELDS) {
    const wanted = map[field] ?? field;
    const found = header.find((h) => h === wanted) ?? header.find((h) => norm(h) === norm(wanted));
    if (found === undefined) {
      throw new ConfigError(
        `${file} has no column "${wanted}" for the record field ${field} (its header: ${header.join(', ')})`,
        `input.recordColumns.${field}`,
        undefined,
        'a column name of the file',
      );
    }
    out[field] = found;
  }
  return out as Record<RecordField, string>;
}

/**
 * Other exports' names for each field (lower case, spaces and underscores removed):
 * nfdump CSV (`sa`, `da`, `sp`, `dp`, `pr`, `ts`, `td`, `ipkt`, `ibyt`), CIDDS (`Src IP Addr`,
 * `Date first seen`, …), UNSW/TON (`src_ip`, `dst_port`, `duration`, `src_pkts`, …).
 */
const ALIASES: Record<RecordField, readonly string[]> = {
  srcip: ['srcip', 'sa', 'srcipaddr', 'srcaddr', 'sourceip', 'srcaddress', 'ipv4srcaddr'],
  dstip: ['dstip', 'da', 'dstipaddr', 'dstaddr', 'destinationip', 'dstaddress', 'ipv4dstaddr'],
  srcport: ['srcport', 'sp', 'srcpt', 'sourceport', 'l4srcport', 'sport'],
  dstport: ['dstport', 'dp', 'dstpt', 'destinationport', 'l4dstport', 'dport'],
  proto: ['proto', 'pr', 'protocol'],
  ts: ['ts', 'datefirstseen', 'starttime', 'stime', 'firstswitched', 'timestamp', 'start'],
  td: ['td', 'duration', 'dur'],
  pkt: ['pkt', 'packets', 'ipkt', 'pkts', 'inpkts', 'srcpkts', 'totpkts'],
  byt: ['byt', 'bytes', 'ibyt', 'inbytes', 'srcbytes', 'totbytes'],
};

const squash = (s: string): string => s.toLowerCase().replace(/[\s_.-]/g, '');

/** The column map (field → column) a header suggests, for `netsynth init`; fields it cannot place are absent. */
export function guessColumns(header: readonly string[]): Partial<Record<RecordField, string>> {
  const out: Partial<Record<RecordField, string>> = {};
  for (const field of RECORD_FIELDS) {
    const hit = ALIASES[field].map((a) => header.find((h) => squash(h) === a)).find((h) => h !== undefined);
    if (hit !== undefined) out[field] = hit;
  }
  return out;
}
