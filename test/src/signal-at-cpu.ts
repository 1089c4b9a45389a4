import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TEMP_FILE_PATTERN } from '@netsynth/core';
import { CLI } from './env.js';

/** Linux: a process's CPU time is readable from /proc (the signal tests need it). */
export const HAVE_PROC = existsSync('/proc/self/stat');

const TICK_MS = HAVE_PROC ? 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || '100') : 10;

/** user + system CPU of a live process, in ms (undefined once it is gone). */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

export interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** False when the command ended before the signal was sent (the input is too short). */
  sent: boolean;
  cpuAfterSignalMs: number;
  wallAfterSignalMs: number;
}

/** Runs the CLI and sends `signal` once it has used `atCpuMs` of CPU (user + system). */
export function signalAtCpu(args: readonly string[], cwd: string, signal: NodeJS.Signals, atCpuMs: number): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sentAt: { cpu: number; wall: number } | undefined;
    let lastCpu = 0;
    const poll = setInterval(() => {
      const cpu = child.pid === undefined ? undefined : cpuMs(child.pid);
      if (cpu === undefined) return;
      lastCpu = cpu;
      if (!sentAt && cpu >= atCpuMs) {
        sentAt = { cpu, wall: performance.now() };
        child.kill(signal);
      }
    }, 20);
    child.on('error', (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      const ended = performance.now();
      resolve({
        code,
        signal,
        stdout,
        stderr,
        sent: sentAt !== undefined,
        cpuAfterSignalMs: sentAt ? lastCpu - sentAt.cpu : 0,
        wallAfterSignalMs: sentAt ? ended - sentAt.wall : 0,
      });
    });
  });
}

/** Every netsynth temp file (`.NAME.<hex>.tmp`) under `dir`. */
export function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && TEMP_FILE_PATTERN.test(e.name))
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}
