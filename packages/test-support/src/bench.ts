/**
 * Benchmarks that compare with a reference (nprint, tshark, PyTorch) on a shared machine:
 * load drifts over a run, so timing all of A then all of B lets the drift decide the ratio
 * (one engine run said 0.79 and the next 1.56). Alternating A B A B … and taking the ratio
 * of each adjacent pair cancels slow drift; the median of those ratios, with min and max,
 * says how steady the figure is.
 */
import { execFileSync } from 'node:child_process';
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
