import { readFile } from 'node:fs/promises';
import { EncodingError, type WriteOptions } from '@netsynth/core';
import { NprintCsvFormatter, NprintCsvWriter } from './csv-writer.js';
import { isBitColumnName } from './layout.js';
import { NPRINT_EXTRA_COLUMNS, type NprintTable } from './table.js';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const ZERO = 0x30;
const ONE = 0x31;

const latin = new TextDecoder('utf-8');

/**
 * Parses an nPrint CSV: nprint's own output (`src_ip,[rts,][tv_sec,tv_usec,]bits…`), a
 * file without an index column, or one written by pandas with an unnamed row index
 * (NetDiffusion's generated files: header `,ipv4_ver_0,…`). Cells must be -1, 0 or 1.
 * Errors name the file and the byte offset of the offending cell.
 */
export function parseNprintCsv(data: Uint8Array | string, file = '<nprint csv>'): NprintTable {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fail = (message: string, offset: number): never => {
    throw new EncodingError(message, { file, offset });
  };
  let headerEnd = bytes.indexOf(LF);
  if (headerEnd < 0) headerEnd = bytes.length;
  let headerText = latin.decode(bytes.subarray(0, headerEnd));
  if (headerText.endsWith('\r')) headerText = headerText.slice(0, -1);
  if (headerText.length === 0) fail('no header line', 0);
  const names = headerText.split(',');

  let k = 0;
  let indexColumn: string | null = null;
  const first = names[0] as string;
  if (!isBitColumnName(first) && !NPRINT_EXTRA_COLUMNS.includes(first)) {
    indexColumn = first;
    k = 1;
  }
  const extraColumns: string[] = [];
  while (k < names.length && NPRINT_EXTRA_COLUMNS.includes(names[k] as string)) extraColumns.push(names[k++] as string);
  const columns = names.slice(k);
  const seen = new Set<string>();
  let at = 0;
  names.forEach((name, i) => {
    if (i >= k) {
      if (!isBitColumnName(name)) fail(`header column ${i + 1} "${name}" is not an nPrint bit column`, at);
      if (seen.has(name)) fail(`header column ${i + 1} "${name}" appears twice`, at);
      seen.add(name);
    }
    at += Buffer.byteLength(name) + 1;
  });
  if (columns.length === 0) fail('the header names no bit columns', 0);

  const prefixCount = k;
  const width = columns.length;
  const rowsEstimate = Math.max(1, Math.ceil((bytes.length - headerEnd) / (width * 2 + 1)));
  let bits = new Int8Array(rowsEstimate * width);
  const index: string[] = [];
  const extras: string[][] = [];
  let rowCount = 0;

  let pos = headerEnd + 1;
  while (pos < bytes.length) {
    let lineEnd = bytes.indexOf(LF, pos);
    if (lineEnd < 0) lineEnd = bytes.length;
    let end = lineEnd;
    if (end > pos && bytes[end - 1] === CR) end--;
    if (end === pos) {
      // A blank line is only allowed as the file's end.
      if (lineEnd + 1 < bytes.length) fail('blank line', pos);
      break;
    }
    const prefix: string[] = [];
    let p = pos;
    for (let i = 0; i < prefixCount; i++) {
      let q = p;
      while (q < end && bytes[q] !== COMMA) q++;
      if (q >= end) fail(`row ${rowCount + 1} ends after ${i + 1} of ${names.length} columns`, pos);
      prefix.push(latin.decode(bytes.subarray(p, q)));
      p = q + 1;
    }
    if ((rowCount + 1) * width > bits.length) {
      const grown = new Int8Array(Math.max(bits.length * 2, (rowCount + 1) * width));
      grown.set(bits);
      bits = grown;
    }
    const base = rowCount * width;
    for (let c = 0; c < width; c++) {
      if (p >= end) fail(`row ${rowCount + 1} ends after ${prefixCount + c} of ${names.length} columns`, p);
      const b0 = bytes[p];
      let v: number;
      let next: number;
      if (b0 === ZERO) {
        v = 0;
        next = p + 1;
      } else if (b0 === ONE) {
        v = 1;
        next = p + 1;
      } else if (b0 === MINUS && bytes[p + 1] === ONE) {
        v = -1;
        next = p + 2;
      } else {
        v = NaN;
        next = p;
      }
      if (Number.isNaN(v) || (next < end && bytes[next] !== COMMA) || (next >= end && c !== width - 1)) {
        let q = p;
        while (q < end && bytes[q] !== COMMA) q++;
        fail(`row ${rowCount + 1}, column ${columns[c]}: "${latin.decode(bytes.subarray(p, q))}" is not -1, 0 or 1`, p);
      }
      bits[base + c] = v;
      p = next + 1;
    }
    if (p <= end) fail(`row ${rowCount + 1} has more than ${names.length} columns`, p - 1);
    if (indexColumn !== null) index.push(prefix[0] as string);
    else index.push('');
    extras.push(indexColumn !== null ? prefix.slice(1) : prefix);
    rowCount++;
    pos = lineEnd + 1;
  }
  return { indexColumn, extraColumns, columns, index, extras, bits: bits.slice(0, rowCount * width), rowCount };
}

export async function readNprintCsv(path: string): Promise<NprintTable> {
  return parseNprintCsv(await readFile(path), path);
}

/** The index and extra-column values of row `r`, as NprintCsvFormatter.row takes them. */
function rowPrefix(table: NprintTable, r: number): string[] {
  const extras = table.extras[r] ?? [];
  return table.indexColumn !== null ? [table.index[r] ?? '', ...extras] : [...extras];
}

/**
 * The CSV text of a table in nprint's format: the header line, then one line per row,
 * comma-separated, `\n` line ends (also after the last row), cells printed as -1/0/1.
 * One string: for big tables use writeNprintCsv, which streams.
 */
export function formatNprintCsv(table: NprintTable): string {
  const formatter = new NprintCsvFormatter(table);
  const w = table.columns.length;
  const parts: string[] = [];
  for (let r = 0; r < table.rowCount; r++) {
    formatter.row(rowPrefix(table, r), table.bits, r * w);
    if (formatter.pending >= 1 << 20) parts.push(formatter.take().toString('utf8'));
  }
  parts.push(formatter.take().toString('utf8'));
  return parts.join('');
}

/** Writes the table as an nPrint CSV, row by row and atomically; an existing file needs `force`. */
export async function writeNprintCsv(path: string, table: NprintTable, options: WriteOptions = {}): Promise<void> {
  const writer = await NprintCsvWriter.open(path, table, options);
  const w = table.columns.length;
  try {
    for (let r = 0; r < table.rowCount; r++) await writer.row(rowPrefix(table, r), table.bits, r * w);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.close();
}
