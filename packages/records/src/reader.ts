import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { InterruptedError, RecordFormatError, type NetflowRecord } from '@netsynth/core';
import { DEFAULT_FORMATS, resolveColumns, type RecordField, type RecordSchema, type ValueFormats } from './schema.js';
import { parseAddress, parseNumber, parseProtocol, parseTimestamp, type TimeUnit } from './values.js';

export interface ReadRecordsOptions {
  /** Record field → column name, for headers other than NetShare's (`input.recordColumns`). */
  columns?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** One data row: the record, every column's text by header name, and its 1-based line. */
export interface RecordRow {
  record: NetflowRecord;
  row: Record<string, string>;
  line: number;
}

interface CsvInfo {
  lines: number;
}

function isCsvError(e: unknown): e is CsvError & { lines?: number } {
  return e instanceof CsvError;
}

/** Parses one row's record fields; a value that does not parse is a RecordFormatError naming the line and column. */
function parseRow(
  row: Record<string, string>,
  columns: Record<RecordField, string>,
  file: string,
  line: number,
  timeUnit: TimeUnit | undefined,
): { record: NetflowRecord; formats: ValueFormats } {
  const text = (f: RecordField): string => row[columns[f]] ?? '';
  const fail = (f: RecordField, what: string): never => {
    throw new RecordFormatError(`"${text(f)}" is not ${what}`, file, line, columns[f]);
  };
  const src = parseAddress(text('srcip')) ?? fail('srcip', 'an IP address (dotted quad or unsigned 32-bit integer)');
  const dst = parseAddress(text('dstip')) ?? fail('dstip', 'an IP address (dotted quad or unsigned 32-bit integer)');
  const port = (f: 'srcport' | 'dstport'): number => {
    const v = parseNumber(text(f));
    return v !== undefined && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : fail(f, 'a port (0-65535)');
  };
  const count = (f: 'td' | 'pkt' | 'byt'): number => {
    const v = parseNumber(text(f));
    return v !== undefined && v >= 0 ? v : fail(f, 'a non-negative number');
  };
  const proto = parseProtocol(text('proto')) ?? fail('proto', 'a protocol name (TCP, UDP, ICMP…) or number');
  const ts = parseTimestamp(text('ts'), timeUnit) ?? fail('ts', 'a start time (a number since the epoch, or a date and time)');
  const record: NetflowRecord = {
    srcip: src.address,
    dstip: dst.address,
    srcport: port('srcport'),
    dstport: port('dstport'),
    proto,
    ts: ts.seconds,
    td: count('td'),
    pkt: count('pkt'),
    byt: count('byt'),
  };
  const formats: ValueFormats = {
    address: src.integer ? 'integer' : 'dotted',
    proto: /^\s*\d+\s*$/.test(text('proto')) ? 'number' : 'name',
    ts: ts.format,
    ...(ts.fraction && { tsFraction: ts.fraction }),
  };
  return { record, formats };
}

/**
 * Streams a record CSV (header line first): each data row as a record, one at a time, so
 * a file of any length needs memory for one row. `schema` is known once the first row has
 * been read. Malformed rows are RecordFormatErrors with file, line and column.
 */
export class RecordReader {
  private schemaValue: RecordSchema | undefined;

  constructor(
    readonly file: string,
    private readonly options: ReadRecordsOptions = {},
  ) {}

  /** The file's header, field columns and value formats (after the first row was read). */
  get schema(): RecordSchema | undefined {
    return this.schemaValue;
  }

  async *rows(): AsyncGenerator<RecordRow> {
    const parser = createReadStream(this.file).pipe(parse({ bom: true, info: true, skip_empty_lines: true }));
    let header: string[] | undefined;
    let columns: Record<RecordField, string> | undefined;
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: CsvInfo }>) {
        if (this.options.signal?.aborted) throw new InterruptedError();
        const line = item.info.lines;
        if (!header) {
          header = item.record.map((h) => h.trim());
          columns = resolveColumns(header, this.options.columns ?? {}, this.file);
          continue;
        }
        if (item.record.length !== header.length) {
          throw new RecordFormatError(`${item.record.length} values, the header has ${header.length} columns`, this.file, line);
        }
        const row: Record<string, string> = {};
        header.forEach((h, i) => (row[h] = item.record[i] ?? ''));
        // Every row's numbers in the unit the first row's size said (a file has one unit).
        const learned = this.schemaValue?.formats.ts;
        const parsed = parseRow(row, columns!, this.file, line, learned === 'datetime' ? undefined : learned);
        this.schemaValue ??= { header, columns: columns!, formats: parsed.formats };
        yield { record: parsed.record, row, line };
      }
    } catch (e) {
      if (isCsvError(e)) throw new RecordFormatError(e.message, this.file, e.lines ?? 0);
      throw e;
    } finally {
      parser.destroy();
    }
    if (!header) throw new RecordFormatError('the file is empty (expected a header line)', this.file, 1);
    this.schemaValue ??= { header, columns: columns!, formats: { ...DEFAULT_FORMATS } };
  }
}

/** The schema of a record file from its header and first row (reads no further). */
export async function readRecordSchema(file: string, options: ReadRecordsOptions = {}): Promise<RecordSchema> {
  const reader = new RecordReader(file, options);
  const rows = reader.rows();
  try {
    await rows.next();
  } finally {
    await rows.return(undefined);
  }
  if (!reader.schema) throw new RecordFormatError('the file has a header but no record', file, 2);
  return reader.schema;
}

/** The header of a record file (its first CSV row), trimmed. */
export async function readRecordHeader(file: string): Promise<string[]> {
  const parser = createReadStream(file).pipe(parse({ bom: true, to_line: 1 }));
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record.map((h) => h.trim());
  } finally {
    parser.destroy();
  }
  throw new RecordFormatError('the file is empty (expected a header line)', file, 1);
}
