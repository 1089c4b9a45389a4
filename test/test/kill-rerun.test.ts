import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HEAVY, REPO_ROOT, netsynth } from '../src/env.js';
import { HAVE_PROC, signalAtCpu, tempFiles } from '../src/signal-at-cpu.js';
import { MODEL_CAPTURES, MODEL_CONFIG } from '../fuzz/model-kind.mjs';

/**
 * Issue 20's acceptance: after a kill and a successful rerun, no temp file remains. A small run
 * (the bundled demo DNS and ICMP captures, a tiny DDPM that checkpoints after each of its 200
 * steps, so a temp checkpoint is often being written) is SIGKILLed at several points of its
 * CPU time — ingest, encode, training — then run again to the end: it must finish, and no
 * `.NAME.<hex>.tmp` may be left anywhere under the output folder.
 */
const dir = mkdtempSync(join(tmpdir(), 'netsynth-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fuzz harness's smallest full run, trained longer and checkpointing after each step. */
const CONFIG = MODEL_CONFIG.replace('steps: 2,', 'steps: 200,');
/** CPU (ms) at which each run is killed: Node's start-up is ~0.7 s; the run itself ~2-4 s more. */
const KILL_AT_CPU_MS = [1000, 1500, 2200, 3000];

describe.skipIf(!(HAVE_CLI && HAVE_PROC))('a run SIGKILLed, then run again (needs a built CLI and /proc)', () => {
  for (const at of KILL_AT_CPU_MS) {
    it(
      `killed at ${at} ms of CPU: the rerun finishes and leaves no temp file`,
      async () => {
        expect(CONFIG).not.toBe(MODEL_CONFIG); // the longer training took
        const work = mkdtempSync(join(dir, `at-${at}-`));
        writeFileSync(join(work, 'run.yaml'), CONFIG);
        mkdirSync(join(work, 'captures'));
        for (const c of MODEL_CAPTURES) copyFileSync(join(REPO_ROOT, c), join(work, 'captures', basename(c)));
        const killed = await signalAtCpu(['run', 'run.yaml', '--quiet'], work, 'SIGKILL', at);
        const left = tempFiles(join(work, 'out'));
        console.log(`kill at ${at} ms CPU: ${killed.sent ? 'killed' : `ended first (exit ${killed.code})`}; temp files left: ${left.join(', ') || 'none'}`);
        if (killed.sent) expect(killed.signal).toBe('SIGKILL');
        const rerun = await netsynth(['run', 'run.yaml', '--quiet'], work);
        expect(rerun.code, rerun.stderr).toBe(0);
        expect(existsSync(join(work, 'out', 'synthetic.pcap'))).toBe(true);
        expect(tempFiles(join(work, 'out'))).toEqual([]);
      },
      HEAVY,
    );
  }
});
