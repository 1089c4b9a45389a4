import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { ConfigError } from '@netsynth/core';

/** What a list of input entries holds, for expandInputFiles' patterns and messages. */
export interface InputFileKind {
  /** File name patterns taken from a directory entry (`**\/*.pcap`). */
  patterns: readonly string[];
  /** The config key of the list, for the ConfigError's path (`input.captures`). */
  configKey: string;
  /** The files, as a message names them: `.pcap, .pcapng or .cap file`, and one of them: `capture`. */
  extensions: string;
  noun: string;
}

/**
 * Expands input entries (files, directories, globs; relative to baseDir) into a sorted,
 * de-duplicated list of absolute paths. An entry matching nothing is a ConfigError at
 * `<configKey>.N`.
 */
export async function expandInputFiles(entries: readonly string[], baseDir: string, kind: InputFileKind): Promise<string[]> {
  const found = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const abs = resolve(baseDir, entry);
    let matches: string[];
    if (existsSync(abs) && statSync(abs).isFile()) {
      matches = [abs];
    } else if (existsSync(abs) && statSync(abs).isDirectory()) {
      matches = await glob([...kind.patterns], { cwd: abs, absolute: true, onlyFiles: true, dot: false });
      if (matches.length === 0) throw new ConfigError(`directory ${entry} holds no ${kind.extensions}`, `${kind.configKey}.${i}`);
    } else {
      matches = await glob(entry.split(sep).join('/'), { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false });
      if (matches.length === 0) throw new ConfigError(`no ${kind.noun} matches "${entry}" (relative to ${baseDir})`, `${kind.configKey}.${i}`);
    }
    for (const m of matches) found.add(resolve(m));
  }
  return [...found].sort();
}
