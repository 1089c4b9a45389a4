import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { buildTinyStableDiffusion, type TinyStableDiffusionInfo, type TinyStableDiffusionOptions } from '../src/index.js';

const cache = new Map<string, Promise<TinyStableDiffusionInfo>>();
const made: string[] = [];

/** A temp dir removed after the test file. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** One tiny SD folder per option set per test file (built in a temp dir, ~0.3 s). */
export function tinyModel(opts: TinyStableDiffusionOptions = {}): Promise<TinyStableDiffusionInfo> {
  const key = JSON.stringify(opts);
  let p = cache.get(key);
  if (!p) {
    p = buildTinyStableDiffusion(tempDir('netsynth-sd-'), opts);
    cache.set(key, p);
  }
  return p;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
