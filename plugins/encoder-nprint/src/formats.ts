import { basename } from 'node:path';
import {
  deriveSeed,
  InvalidArgumentError,
  LinkType,
  type FormatReadOptions,
  type FormatReadResult,
  type FormatWriteReport,
  type JsonObject,
  type PluginFileFormat,
} from '@netsynth/core';
import { writePacketsAsNprintCsv } from './csv-capture.js';
import { readNprintCsv, writeNprintCsv } from './csv.js';
import { formatRepairSummary } from './encoder.js';
import { imageToRows } from './image.js';
import { learnRowStats, NPRINT_CSV_EXTENSIONS } from './learn-file.js';
import type { NprintOptions } from './options.js';
import { readPng } from './png.js';
import { rowsToPackets } from './rows.js';
import type { NprintTable } from './table.js';

/** Validates raw `--options` against the plugin's schema (the definition's own parser, passed in to avoid a cycle). */
export type ParseNprintOptions = (raw: Record<string, unknown>) => NprintOptions;

/** nPrint rows → raw-IP packets with the decode options: addresses, row mode, learned fills. */
async function decodeTable(table: NprintTable, file: string, options: NprintOptions, read: FormatReadOptions): Promise<FormatReadResult> {
  if (read.learn !== undefined && options.rows !== 'repair') throw new InvalidArgumentError('--learn needs --rows repair');
  const stats = read.learn === undefined ? null : await learnRowStats(read.learn);
  // Seeds derive from the file's name, not its path: the same file decodes to the same bytes from any folder.
  const name = basename(file);
  const result = rowsToPackets(table, {
    addresses: { ...options.addresses, seed: deriveSeed(read.seed, `decode:${name}`) },
    rows: options.rows,
    repair: { stats, seed: deriveSeed(read.seed, `rows:${name}`), paddingBelow: options.paddingBelow, conversation: options.conversation },
  });
  const out: FormatReadResult = { packets: result.packets, linkType: LinkType.RAW, problems: result.problems };
  if (result.repairSummary) {
    out.problems = [{ message: formatRepairSummary(result.repairSummary), kind: 'summary' }, ...result.problems];
    out.report = { rowRepair: result.repairSummary as unknown as JsonObject };
  }
  return out;
}

async function snappedRows(file: string, options: NprintOptions): Promise<NprintTable> {
  return imageToRows(await readPng(file), { snap: options.snap });
}

/** The nPrint encoder's files: nprint's CSV (read and written) and NetDiffusion's pictures (read). */
export function nprintFormats(parse: ParseNprintOptions): PluginFileFormat[] {
  const csv: PluginFileFormat = {
    name: 'csv',
    description: "nPrint CSV (nprint's columns, bit-exact with the nprint tool)",
    extensions: NPRINT_CSV_EXTENSIONS,
    async write(packets, out, options): Promise<FormatWriteReport> {
      const result = await writePacketsAsNprintCsv(packets, out, {
        force: options.force,
        relativeTimestamps: options.relativeTimestamps ?? false,
        ...(options.maxRecords !== undefined && options.maxRecords > 0 && { maxRows: options.maxRecords }),
      });
      return { records: result.rows, columns: result.columns, skipped: { ...result.skipped }, packets: result.packets, truncated: result.truncated };
    },
    read: async (file, read) => decodeTable(await readNprintCsv(file), file, parse(read.options), read),
  };
  const png: PluginFileFormat = {
    name: 'png',
    description: 'NetDiffusion picture (one row per packet, one pixel per bit), snapped to bits',
    extensions: ['.png'],
    read: async (file, read) => {
      const options = parse(read.options);
      return decodeTable(await snappedRows(file, options), file, options, read);
    },
    async convert(file, out, to, read): Promise<FormatWriteReport> {
      if (to !== 'csv') throw new InvalidArgumentError(`--format ${to}: a NetDiffusion picture converts to csv only`);
      const table = await snappedRows(file, parse(read.options));
      await writeNprintCsv(out, table, { force: read.force });
      return { records: table.rowCount, columns: table.columns.length, skipped: {} };
    },
  };
  return [csv, png];
}
