import { existsSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OutputExistsError, commitTempFile, tempPathFor, type NetflowRecord } from '@netsynth/core';
import type { RecordField, RecordSchema } from './schema.js';
import { addressText, durationText, protocolText, timestampText } from './values.js';

/** RFC 4180 quoting: only values holding a comma, quote or line break are quoted. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A record's row in a schema: the record fields in the file's formats, other columns from `extra` (empty when absent). */
export function recordRow(record: NetflowRecord, schema: RecordSchema, extra: Readonly<Record<string, string>> = {}): string[] {
  const { formats } = schema;
  const field: Record<RecordField, string> = {
    srcip: addressText(record.srcip, formats.address),
    dstip: addressText(record.dstip, formats.address),
    srcport: String(record.srcport),
    dstport: String(record.dstport),
    proto: protocolText(record.proto, formats.proto),
    ts: timestampText(record.ts, formats.ts, formats.tsFraction),
    td: durationText(record.td),
    pkt: String(Math.round(record.pkt)),
    byt: String(Math.round(record.byt)),
  };
  const byColumn = new Map<string, string>();
  for (const [f, column] of Object.entries(schema.columns)) byColumn.set(column, field[f as RecordField]);
  return schema.header.map((h) => byColumn.get(h) ?? extra[h] ?? '');
}

/**
 * Writes records as CSV in a schema's header and column order, to a temporary file that
 * replaces `path` only on close() (an existing file only with force), so a failed run
 * leaves no half file.
 */
export class RecordCsvWriter {
  private constructor(
    private readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly schema: RecordSchema,
    private readonly force: boolean,
  ) {}

  static async create(path: string, schema: RecordSchema, options: { force?: boolean } = {}): Promise<RecordCsvWriter> {
    if (!options.force && existsSync(path)) throw new OutputExistsError(path);
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempPathFor(path);
    const fh = await open(tmp, 'w');
    const writer = new RecordCsvWriter(path, tmp, fh, schema, options.force ?? false);
    await writer.line(schema.header);
    return writer;
  }

  private buffered: string[] = [];

  private async line(values: readonly string[]): Promise<void> {
    this.buffered.push(values.map(csvField).join(','));
    // Rows are written in batches: one syscall per row is slow on million-row files.
    if (this.buffered.length >= 4096) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    await this.fh.write(`${this.buffered.join('\n')}\n`);
    this.buffered = [];
  }

  write(record: NetflowRecord, extra: Readonly<Record<string, string>> = {}): Promise<void> {
    return this.line(recordRow(record, this.schema, extra));
  }

  async close(): Promise<void> {
    try {
      await this.flush();
      await this.fh.close();
    } catch (e) {
      await this.abort();
      throw e;
    }
    await commitTempFile(this.tmp, this.path, { force: this.force });
  }

  /** Drops the temporary file (after a failure). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
