/**
 * Benchmarks that compare with a reference (nprint, tshark, PyTorch) on a shared machine:
 * load drifts over a run, so timing all of A then all of B lets the drift decide the ratio
 * (one engine run said 0.79 and the next 1.56). Alternating A B A B … and taking the ratio
 * of each adjacent pair cancels slow drift; the median of those ratios, with min and max,
 * says how steady the figure is.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandRuns } from './index.js';

export interface AlternatedTimes {
  /** One time per pair, in run order. */
  a: number[];
  b: number[];
  /** a[i] / b[i]: below 1 means A is faster. */
  ratios: number[];
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

/** One command run under GNU time. */
export interface TimedRun {
  wall: number;
  cpu: number;
  peakMb: number;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Runs `a` and `b` alternately, `pairs` times (A B A B …). Each returns the time it
 * measured (any unit, the same for both); `onPair` sees each pair as it completes.
 */
export async function alternate(
  pairs: number,
  a: (pair: number) => Promise<number> | number,
  b: (pair: number) => Promise<number> | number,
  onPair?: (pair: number, a: number, b: number) => void,
): Promise<AlternatedTimes> {
  const out: AlternatedTimes = { a: [], b: [], ratios: [], ratio: Number.NaN, ratioMin: Number.NaN, ratioMax: Number.NaN };
  for (let i = 0; i < pairs; i++) {
    const ta = await a(i);
    const tb = await b(i);
    out.a.push(ta);
    out.b.push(tb);
    out.ratios.push(ta / tb);
    onPair?.(i, ta, tb);
  }
  out.ratio = median(out.ratios);
  out.ratioMin = Math.min(...out.ratios);
  out.ratioMax = Math.max(...out.ratios);
  return out;
}

/** The number of pairs a benchmark runs: `NETSYNTH_BENCH_PAIRS`, else `fallback`. */
export function benchPairs(fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.NETSYNTH_BENCH_PAIRS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * A capture of about `targetMb` MB made of the lab captures appended again and again
 * (`mergecap -a`, as pcap), kept in the system temp folder and reused: real traffic at the
 * size a throughput figure needs, never in the repository. Undefined when the lab folder or
 * mergecap is missing.
 */
export function mergedLabCapture(targetMb: number, labFiles: readonly string[]): string | undefined {
  if (labFiles.length === 0 || !commandRuns('mergecap', ['-v'])) return undefined;
  const dir = join(tmpdir(), 'netsynth-bench');
  const out = join(dir, `lab-x-${targetMb}mb.pcap`);
  if (existsSync(out)) return out;
  const once = labFiles.reduce((sum, f) => sum + statSync(f).size, 0);
  const copies = Math.max(1, Math.round((targetMb * 1e6) / once));
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const args = ['-a', '-F', 'pcap', '-w', tmp];
  for (let i = 0; i < copies; i++) args.push(...labFiles);
  execFileSync('mergecap', args, { stdio: 'ignore' });
  renameSync(tmp, out);
  return out;
}

/**
 * The capture a size-dependent benchmark reads: `NETSYNTH_BENCH_CAPTURE` when it names an
 * existing file (a user's own gigabyte trace, or the one a closing note was measured on, so
 * the full-size figure can be rerun), else the merged lab capture of about `targetMb` MB.
 * Throws when the variable names a missing file: a typo must not silently bench another file.
 */
export function benchCapture(targetMb: number, labFiles: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.NETSYNTH_BENCH_CAPTURE;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`NETSYNTH_BENCH_CAPTURE=${given}: no such file`);
    return given;
  }
  return mergedLabCapture(targetMb, labFiles);
}

/**
 * Runs `command args` to completion under GNU time and returns its wall seconds, CPU seconds
 * (user + system: the figure that load on a shared machine distorts least) and peak RSS in
 * MB, with what it printed. Undefined when /usr/bin/time is missing, so callers can fall back to wall time alone.
 */
export function timedCommand(command: string, args: readonly string[]): TimedRun | undefined {
  if (!existsSync(GNU_TIME)) return undefined;
  const r = spawnSync(GNU_TIME, ['-f', 'netsynth-time %e %U %S %M', command, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const line = (r.stderr ?? '').split('\n').find((l) => l.startsWith('netsynth-time '));
  if (r.status !== 0 || line === undefined)
    throw new Error(`${command} exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`);
  const [wall, user, sys, rssKb] = line.split(' ').slice(1).map(Number) as [number, number, number, number];
  return { wall, cpu: user + sys, peakMb: Math.round(rssKb / 1024), stdout: r.stdout ?? '' };
}

/**
 * Items per second of `run`, which returns how many items one call handled: one warm-up call,
 * then calls until `minSeconds` of wall time have passed, so a fast step is timed over many.
 */
export function throughput(run: () => number, minSeconds = 2): number {
  run();
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds) {
    done += run();
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return done / elapsed;
}
