import { expandInputFiles } from '@netsynth/pcap';

/** File name patterns taken from a directory given in `input.records`. */
export const RECORD_PATTERNS = ['**/*.csv'];

/**
 * Expands `input.records` (files, directories, globs; relative to baseDir) into a sorted,
 * de-duplicated list of absolute paths. An entry matching nothing is a ConfigError at
 * `input.records.N`.
 */
export function expandRecordFiles(entries: readonly string[], baseDir: string): Promise<string[]> {
  return expandInputFiles(entries, baseDir, { patterns: RECORD_PATTERNS, configKey: 'input.records', extensions: '.csv file', noun: 'record file' });
}
