import { extname } from 'node:path';
import { readCaptureAll } from '@netsynth/pcap';
import { readNprintCsv } from './csv.js';
import { RowStats } from './row-stats.js';
import { packetsToRows } from './rows.js';

/** Extensions read as nPrint CSV; anything else is read as a capture. */
export const NPRINT_CSV_EXTENSIONS: readonly string[] = ['.nprint', '.csv'];

/** Value distributions for row repair from a real capture or an nPrint CSV (`decode --learn FILE`). */
export async function learnRowStats(file: string): Promise<RowStats> {
  if (NPRINT_CSV_EXTENSIONS.includes(extname(file).toLowerCase())) return RowStats.fromTable(await readNprintCsv(file));
  const { packets } = await readCaptureAll(file);
  return RowStats.fromTable(packetsToRows(packets).table);
}
