import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { asFileError, errnoOf, OutputExistsError } from './errors.js';

export interface WriteOptions {
  /** Replace an existing file; without it an existing output is an OutputExistsError. */
  force?: boolean;
}

/**
 * Writes through a temporary file in the same directory and renames it into place, so
 * a crash or Ctrl-C never leaves a half-written output, and an existing file is only
 * replaced with `force`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  if (!options.force && existsSync(path)) throw new OutputExistsError(path);
  await makeDir(dirname(path));
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw asFileError(e, path);
  }
}

/** A writer that commits its output on `close` and removes what it wrote on `abort` (tensor, CSV, pcap writers). */
export interface AbortableWriter {
  close(): Promise<unknown>;
  abort(): Promise<unknown>;
}

/**
 * Runs `fill` on `writer`, then closes it so the output appears; when `fill` throws, aborts
 * the writer first, so a failed or interrupted write never leaves a partial output behind.
 */
export async function writeOrAbort<W extends AbortableWriter, T>(writer: W, fill: (writer: W) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fill(writer);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.close();
  return result;
}

/**
 * `mkdir -p` whose failure (ENOSPC, EACCES, a path under /proc…) is a FileIOError naming the
 * folder. Creates one level at a time: Node's `mkdir({ recursive: true })` spins forever on
 * a path under /proc, where mkdir fails with ENOENT although the parent exists.
 */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST' && existsSync(d)) continue; // made meanwhile by another writer
      throw asFileError(e, d, 'create the folder');
    }
  }
}

/**
 * The name every netsynth temp file has: `.<final name>.<12 hex>.tmp` next to the final
 * file. Only names of this shape are removed by `removeStaleTempFiles`.
 */
export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** A temporary sibling path for streaming writers; pass it to `commitTempFile` when complete. */
export function tempPathFor(path: string): string {
  // Keep in step with TEMP_FILE_PATTERN.
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function commitTempFile(tmp: string, path: string, options: WriteOptions = {}): Promise<void> {
  if (!options.force && existsSync(path)) {
    await rm(tmp, { force: true });
    throw new OutputExistsError(path);
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw asFileError(e, path);
  }
}

/**
 * Removes temp files a killed run left under `dir` (recursively): only names matching
 * TEMP_FILE_PATTERN, nothing else. Returns the paths removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return; // absent or unreadable: nothing of ours to clean
    }
    for (const e of entries) {
      const abs = join(d, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile() && TEMP_FILE_PATTERN.test(e.name)) {
        await rm(abs, { force: true });
        removed.push(abs);
      }
    }
  };
  await walk(dir);
  return removed;
}
