import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputExistsError, writeFileAtomic } from '../src/index.js';

describe('atomic output', () => {
  it('writes, refuses to overwrite without force, overwrites with force, leaves no temp files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netsynth-core-'));
    const file = join(dir, 'sub', 'out.txt');
    await writeFileAtomic(file, 'one');
    expect(readFileSync(file, 'utf8')).toBe('one');
    await expect(writeFileAtomic(file, 'two')).rejects.toBeInstanceOf(OutputExistsError);
    expect(readFileSync(file, 'utf8')).toBe('one');
    await writeFileAtomic(file, new Uint8Array([0x74, 0x77, 0x6f]), { force: true });
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['out.txt']);
  });

  it('keeps the old file when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netsynth-core-'));
    const file = join(dir, 'keep.txt');
    writeFileSync(file, 'original');
    // A directory path as target makes rename fail after the temp file is written.
    await expect(writeFileAtomic(dir, 'x', { force: true })).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('original');
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });
});
