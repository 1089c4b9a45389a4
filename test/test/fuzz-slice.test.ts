/**
 * A fixed-seed slice of `pnpm fuzz` (test/fuzz): mutants of real captures, of a run config and
 * of a trained model folder through `check --repair`, `inspect`, config loading and `netsynth run`
 * end in ok or a typed error — no internal error, no hang.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_SHARED, REPO_ROOT, exec } from '../src/env.js';

describe.skipIf(!HAVE_SHARED || !HAVE_CLI)('fuzz slice (seed 7, 24 mutants per kind: pcap, pcapng, config, model)', () => {
  it('has no internal error and no hang', async () => {
    const r = await exec(process.execPath, [
      join(REPO_ROOT, 'test', 'fuzz', 'run.mjs'),
      '--mutants',
      '24',
      '--seed',
      '7',
      '--kinds',
      'pcap,pcapng,config,model',
      '--timeout-ms',
      '60000',
    ]);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const figures = JSON.parse(line) as { bench: string; mutants: number; ok: number; clean_errors: number; internal_errors: number; hangs: number };
    expect(figures.bench).toBe('fuzz');
    expect(figures.mutants).toBe(96);
    expect(figures.ok + figures.clean_errors).toBe(96);
    expect({ internal: figures.internal_errors, hangs: figures.hangs, stderr: r.stderr.match(/fuzz (internal_errors|hangs).*/g) ?? [] }).toEqual({
      internal: 0,
      hangs: 0,
      stderr: [],
    });
    expect(r.code).toBe(0);
  }, 300_000);
});
