import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { ConfigError } from '@netsynth/core';

/** File name patterns taken from a directory given in `input.records`. */
export const RECORD_PATTERNS = ['**/*.csv'];

/**
 * Expands `input.records` (files, directories, globs; relative to baseDir) into a sorted,
 * de-duplicated list of absolute paths. An entry matching nothing is a ConfigError at
 * `input.records.N`.
 */
export async function expandRecordFiles(entries: readonly string[], baseDir: string): Promise<string[]> {
  const found = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const abs = resolve(baseDir, entry);
    let matches: string[];
    if (existsSync(abs) && statSync(abs).isFile()) {
      matches = [abs];
    } else if (existsSync(abs) && statSync(abs).isDirectory()) {
      matches = await glob(RECORD_PATTERNS, { cwd: abs, absolute: true, onlyFiles: true, dot: false });
      if (matches.length === 0) throw new ConfigError(`directory ${entry} holds no .csv file`, `input.records.${i}`);
    } else {
      matches = await glob(entry.split(sep).join('/'), { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false });
      if (matches.length === 0) throw new ConfigError(`no record file matches "${entry}" (relative to ${baseDir})`, `input.records.${i}`);
    }
    for (const m of matches) found.add(resolve(m));
  }
  return [...found].sort();
}
