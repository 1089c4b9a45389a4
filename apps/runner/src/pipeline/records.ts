import { relative } from 'node:path';
import { writeOrAbort, type LabelledSample, type ProgressReporter, type RunConfig } from '@netsynth/core';
import { RecordCsvWriter, expandRecordFiles, loadRecordSamples, readRecordSchema } from '@netsynth/records';
import type { LoadedConfig } from '../config-file.js';
import { sha256File } from '../hash.js';
import { OUT } from './paths.js';
import type { OutputDir } from './output-dir.js';
import type { StoredSample } from './sample-store.js';

/** The records branch of a run (`input.records`): reading the record files and writing synthetic.csv. */

export function isRecordsRun(config: RunConfig): boolean {
  return config.input.records.length > 0;
}

/** The record files with their hashes, for the ingest stage's input hash. */
export async function recordFileHashes(config: RunConfig, loaded: LoadedConfig): Promise<{ file: string; sha256: string }[]> {
  const files = await expandRecordFiles(config.input.records, loaded.dir);
  const out = [];
  for (const file of files) out.push({ file: relative(loaded.dir, file), sha256: await sha256File(file) });
  return out;
}

export async function loadRecordInput(
  config: RunConfig,
  loaded: LoadedConfig,
  options: { seed: number; progress: ProgressReporter; signal?: AbortSignal },
): Promise<LabelledSample[]> {
  return (await loadRecordSamples(config.input, loaded.dir, options)).samples;
}

/**
 * The decoded samples' records as synthetic.csv, in the first input file's header, column
 * order and value formats; a label column (`labels.from: column`) gets each sample's label,
 * other non-record columns stay empty. Returns the path written, relative to the output folder.
 */
export async function writeSyntheticRecords(config: RunConfig, loaded: LoadedConfig, out: OutputDir, decoded: readonly StoredSample[]): Promise<string> {
  const [first] = await expandRecordFiles(config.input.records, loaded.dir);
  const schema = await readRecordSchema(first!, { columns: config.input.recordColumns });
  const labelColumn = config.input.labels.from === 'column' ? config.input.labels.column : undefined;
  const writer = await RecordCsvWriter.create(out.path(OUT.syntheticCsv), schema, { force: true });
  await writeOrAbort(writer, async () => {
    for (const s of decoded) {
      if (!s.netflow) continue;
      await writer.write(s.netflow, labelColumn !== undefined ? { [labelColumn]: s.label } : {});
    }
  });
  return OUT.syntheticCsv;
}
