import type { Packet, WriteOptions } from '@netsynth/core';
import { NprintCsvWriter } from './csv-writer.js';
import { floorUs } from './iat.js';
import { ipDatagramToBits, type SkipCode } from './ip-to-bits.js';
import { buildLayout, NETDIFFUSION_SELECTION, NPRINT_INDEX_COLUMN } from './layout.js';
import { ipBytesForNprint } from './locate-ip.js';
import type { PacketsToRowsOptions } from './rows.js';

export interface NprintCsvStreamOptions extends PacketsToRowsOptions, WriteOptions {
  /** Called after each batch with the rows written so far (for progress). */
  onRows?: (rows: number) => void;
}

export interface NprintCsvStreamResult {
  rows: number;
  columns: number;
  /** Packets read (reading stops once maxRows rows are written). */
  packets: number;
  /** Packets without a row, per reason. */
  skipped: Partial<Record<SkipCode, number>>;
  /** Rows of packets whose headers the snap length cut (captured bits, -1 from the cut on). */
  truncated: number;
}

/**
 * Packets → an nPrint CSV file, as packetsToRows + writeNprintCsv write it (the same bytes
 * as `nprint -4 -6 -t -u -i [-p N] [-R] [-c N]`), but streaming: one row buffer and one
 * output chunk in memory, whatever the capture size. `batches` is read in order (e.g.
 * CaptureReader.batches(); packet bytes may be borrowed, none is kept); the file appears
 * atomically when all rows are written, and not at all on error.
 */
export async function writePacketsAsNprintCsv(
  batches: AsyncIterable<readonly Packet[]>,
  path: string,
  options: NprintCsvStreamOptions = {},
): Promise<NprintCsvStreamResult> {
  const layout = buildLayout(options.selection ?? NETDIFFUSION_SELECTION);
  const locate = options.locateIp ?? ipBytesForNprint;
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const rts = options.relativeTimestamps ?? false;
  const width = layout.columns.length;
  const writer = await NprintCsvWriter.open(path, { indexColumn: NPRINT_INDEX_COLUMN, extraColumns: rts ? ['rts'] : [], columns: layout.columns }, options);
  const row = new Int8Array(width);
  const skipped: Partial<Record<SkipCode, number>> = {};
  let packets = 0;
  let truncated = 0;
  let previousUs: bigint | undefined;
  try {
    outer: for await (const batch of batches) {
      for (const packet of batch) {
        if (writer.rows >= maxRows) break outer;
        packets++;
        const ip = locate(packet);
        const res = ip ? ipDatagramToBits(ip, layout, row, 0) : undefined;
        if (!res?.ok) {
          const code = res?.code ?? 'not-ip';
          skipped[code] = (skipped[code] ?? 0) + 1;
          continue;
        }
        if (res.truncated) truncated++;
        // nprint's rts: µs since the previous written row, both cut to whole µs (see gapsUs).
        let prefix: string[] = [res.srcIp];
        if (rts) {
          const us = floorUs(packet.timestampNs);
          prefix = [res.srcIp, previousUs === undefined ? '0' : String(us - previousUs)];
          previousUs = us;
        }
        await writer.row(prefix, row);
      }
      options.onRows?.(writer.rows);
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.close();
  return { rows: writer.rows, columns: width, packets, skipped, truncated };
}
