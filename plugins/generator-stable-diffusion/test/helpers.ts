import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTinyStableDiffusion, type TinyStableDiffusionInfo, type TinyStableDiffusionOptions } from '../src/index.js';

const cache = new Map<string, Promise<TinyStableDiffusionInfo>>();

/** One tiny SD folder per option set per test file (built in a temp dir, ~0.3 s). */
export function tinyModel(opts: TinyStableDiffusionOptions = {}): Promise<TinyStableDiffusionInfo> {
  const key = JSON.stringify(opts);
  let p = cache.get(key);
  if (!p) {
    p = buildTinyStableDiffusion(mkdtempSync(join(tmpdir(), 'netsynth-sd-')), opts);
    cache.set(key, p);
  }
  return p;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
