import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HAVE_SHARED_DATA, HAVE_TSHARK, SHARED_DATA, commandRuns } from '@netsynth/test-support';

/** The repository root (this file is test/src/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** ../shared/data beside the repository; NETSYNTH_SHARED_DATA overrides it (see @netsynth/test-support). */
export const SHARED = SHARED_DATA;
export const HAVE_SHARED = HAVE_SHARED_DATA;
export { HAVE_TSHARK };
/** The built CLI (turbo builds it before the tests). */
export const CLI = join(REPO_ROOT, 'apps', 'runner', 'dist', 'cli.js');
export const HAVE_CLI = existsSync(CLI);

/** Generous per-test limit for the end-to-end runs: they run beside every other test file in `pnpm test` (2 cores). */
export const HEAVY = 360_000;

export const HAVE_NPM = commandRuns('npm', ['--version']);
export const HAVE_PNPM = commandRuns('pnpm', ['--version']);

export interface Completed {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects: the exit status is in `code`). */
export function exec(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Completed> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `node apps/runner/dist/cli.js ARGS` in `cwd`. */
export function netsynth(args: readonly string[], cwd = REPO_ROOT): Promise<Completed> {
  return exec(process.execPath, [CLI, ...args], { cwd });
}
