import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HEAVY, REPO_ROOT, netsynth } from '../src/env.js';
import { HAVE_PROC, signalAtCpu, tempFiles } from '../src/signal-at-cpu.js';

/**
 * Issue 20's acceptance: after a kill and a successful rerun, no temp file remains. A small run
 * (the bundled demo DNS and ICMP captures, a tiny DDPM that checkpoints after each of its 200
 * steps, so a temp checkpoint is often being written) is SIGKILLed at several points of its
 * CPU time — ingest, encode, training — then run again to the end: it must finish, and no
 * `.NAME.<hex>.tmp` may be left anywhere under the output folder.
 */
const dir = mkdtempSync(join(tmpdir(), 'netsynth-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demo = (name: string): string => JSON.stringify(join(REPO_ROOT, 'examples', 'data', 'demo', name));
const CONFIG = `version: 1
name: kill-rerun
seed: 3
input:
  captures: [${demo('dns.pcap')}, ${demo('icmp.pcap')}]
  labels: { from: filename }
  flows: { idleTimeoutSeconds: 60, windowPackets: 8, minPackets: 2, maxSamplesPerLabel: 16 }
  holdout: 0.25
encoder:
  plugin: "@netsynth/encoder-packetfields"
  options: { maxPackets: 8 }
generator:
  plugin: "@netsynth/generator-ddpm"
  options: { dims: 1, channels: 8, groups: 4, steps: 200, batchSize: 8, warmupSteps: 1, timesteps: 10, sampleSteps: 2, threads: 1, checkpointEvery: 1 }
  samplesPerLabel: 4
constraints:
  - plugin: "@netsynth/ruleset-ipv4"
evaluators: []
output:
  dir: out
  images: false
`;
/** CPU (ms) at which each run is killed: Node's start-up is ~0.7 s; the run itself ~2-4 s more. */
const KILL_AT_CPU_MS = [1000, 1500, 2200, 3000];

describe.skipIf(!(HAVE_CLI && HAVE_PROC))('a run SIGKILLed, then run again (needs a built CLI and /proc)', () => {
  for (const at of KILL_AT_CPU_MS) {
    it(
      `killed at ${at} ms of CPU: the rerun finishes and leaves no temp file`,
      async () => {
        const work = mkdtempSync(join(dir, `at-${at}-`));
        writeFileSync(join(work, 'run.yaml'), CONFIG);
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
