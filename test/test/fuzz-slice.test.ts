/**
 * A fixed-seed slice of `pnpm fuzz` (test/fuzz): mutants of real captures and of a run config
 * through `check --repair`, `inspect` and config loading end in ok or a typed error — no
 * internal error, no hang.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_SHARED, REPO_ROOT, exec } from '../src/env.js';

describe.skipIf(!HAVE_SHARED || !HAVE_CLI)('fuzz slice (seed 7, 24 mutants per kind)', () => {
  it('has no internal error and no hang', async () => {
    const r = await exec(process.execPath, [join(REPO_ROOT, 'test', 'fuzz', 'run.mjs'), '--mutants', '24', '--seed', '7', '--timeout-ms', '60000']);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const figures = JSON.parse(line) as { bench: string; mutants: number; ok: number; clean_errors: number; internal_errors: number; hangs: number };
    expect(figures.bench).toBe('fuzz');
    expect(figures.mutants).toBe(72);
    expect(figures.ok + figures.clean_errors).toBe(72);
    expect({ internal: figures.internal_errors, hangs: figures.hangs, stderr: r.stderr.match(/fuzz (internal_errors|hangs).*/g) ?? [] }).toEqual({
      internal: 0,
      hangs: 0,
      stderr: [],
    });
    expect(r.code).toBe(0);
  }, 180_000);
});
