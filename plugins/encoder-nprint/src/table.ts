import { InvalidArgumentError } from '@netsynth/core';
import { buildLayout, selectionForColumns, type NprintLayout } from './layout.js';

/**
 * nPrint rows as a table: what a `.nprint` CSV holds. The bit cells are one row-major
 * Int8Array (-1/0/1) so a 1024-row sample is one allocation.
 */
export interface NprintTable {
  /**
   * Name of the first, non-bit column: `src_ip` for nprint's output, `''` for a file written
   * by pandas with its row index (NetDiffusion's generated CSV), `null` for none.
   */
  indexColumn: string | null;
  /** Columns between the index and the bits, as nprint writes them (`rts`, `tv_sec`, `tv_usec`). */
  extraColumns: string[];
  /** Bit-column names, in file order. */
  columns: string[];
  /** Index-column value of each row ('' when there is no index column). */
  index: string[];
  /** extras[r][k]: the text of extraColumns[k] in row r. */
  extras: string[][];
  /** rowCount × columns.length cells, row-major. */
  bits: Int8Array;
  rowCount: number;
}

/** Extra columns nprint can write after the index (`-R`, `-A`). */
export const NPRINT_EXTRA_COLUMNS: readonly string[] = ['rts', 'tv_sec', 'tv_usec'];

export function emptyTable(columns: readonly string[], indexColumn: string | null = 'src_ip', extraColumns: readonly string[] = []): NprintTable {
  return { indexColumn, extraColumns: [...extraColumns], columns: [...columns], index: [], extras: [], bits: new Int8Array(0), rowCount: 0 };
}

/** Cells of row `r` (a view, not a copy). */
export function tableRow(table: NprintTable, r: number): Int8Array {
  const w = table.columns.length;
  return table.bits.subarray(r * w, (r + 1) * w);
}

/** The layout a table's columns belong to, and where each table column sits in it. */
export interface TableMapping {
  layout: NprintLayout;
  /** layoutIndex[c]: position of table column c in the layout's columns. */
  layoutIndex: Int32Array;
  /** True when every layout column is in the table (so rows need no filling). */
  complete: boolean;
}

export function mapTableToLayout(table: NprintTable, layout: NprintLayout = buildLayout(selectionForColumns(table.columns))): TableMapping {
  const pos = new Map(layout.columns.map((name, i) => [name, i] as const));
  const layoutIndex = new Int32Array(table.columns.length);
  table.columns.forEach((name, c) => {
    const i = pos.get(name);
    if (i === undefined) throw new InvalidArgumentError(`column ${name} is not in the layout`);
    layoutIndex[c] = i;
  });
  return { layout, layoutIndex, complete: table.columns.length === layout.columns.length };
}

/** Writes row `r` of the table into a full layout row (`out`, pre-filled with -1 for missing columns). */
export function expandRow(table: NprintTable, mapping: TableMapping, r: number, out: Int8Array): void {
  const w = table.columns.length;
  if (mapping.complete && isIdentity(mapping.layoutIndex)) {
    out.set(table.bits.subarray(r * w, (r + 1) * w));
    return;
  }
  out.fill(-1);
  const base = r * w;
  for (let c = 0; c < w; c++) out[mapping.layoutIndex[c] as number] = table.bits[base + c] as number;
}

function isIdentity(map: Int32Array): boolean {
  for (let i = 0; i < map.length; i++) if (map[i] !== i) return false;
  return true;
}

/** A table with only the named columns (in the given order), e.g. the image's 1088. */
export function selectColumns(table: NprintTable, columns: readonly string[]): NprintTable {
  const pos = new Map(table.columns.map((name, i) => [name, i] as const));
  const from = columns.map((name) => {
    const i = pos.get(name);
    if (i === undefined) throw new InvalidArgumentError(`the table has no column ${name}`);
    return i;
  });
  const w = table.columns.length;
  const bits = new Int8Array(table.rowCount * columns.length);
  for (let r = 0; r < table.rowCount; r++) {
    for (let c = 0; c < from.length; c++) bits[r * from.length + c] = table.bits[r * w + (from[c] as number)] as number;
  }
  return { ...table, columns: [...columns], index: [...table.index], extras: table.extras.map((e) => [...e]), bits };
}
