import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { OutputExistsError } from './errors.js';

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
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** A temporary sibling path for streaming writers; pass it to `commitTempFile` when complete. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function commitTempFile(tmp: string, path: string, options: WriteOptions = {}): Promise<void> {
  if (!options.force && existsSync(path)) {
    await rm(tmp, { force: true });
    throw new OutputExistsError(path);
  }
  await rename(tmp, path);
}
