/**
 * Test helpers shared by the workspace's test folders: where the real data beside the
 * repository is (`<repo root>/../shared/data`), what captures it holds, whether tshark is
 * installed, the packet-by-packet comparison with tshark (tshark.ts) and headless Chromium for
 * the report tests (chromium.ts). Tests that need the
 * data skip, with one `skipping …` line, when it is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that points the tests at another data folder. */
const SHARED_DATA_ENV = 'NETSYNTH_SHARED_DATA';

/**
 * The repository root. Both this source file and the built dist/index.js sit two folders
 * below packages/test-support, so the same relative step reaches the root from either (pnpm
 * links resolve to the real path, so a consumer's node_modules does not change it).
 */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The shared-data folder for an environment: `NETSYNTH_SHARED_DATA` if set, else `<repo root>/../shared/data`. */
export function resolveSharedData(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[SHARED_DATA_ENV];
  return override ? resolve(override) : resolve(REPO_ROOT, '..', 'shared', 'data');
}

/** The shared-data folder of this test run (absolute, no trailing slash). */
export const SHARED_DATA = resolveSharedData();

/** Whether NETSYNTH_SHARED_DATA chose the folder (skip messages then name the absolute path). */
const OVERRIDDEN = Boolean(process.env[SHARED_DATA_ENV]);

/** Whether the shared-data folder exists. */
export const HAVE_SHARED_DATA = existsSync(SHARED_DATA);

/** A path inside the shared-data folder, e.g. `sharedPath('lab', 'dns.pcap')` or `sharedPath('netdiffusion')`. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/**
 * Whether the shared-data folder (or the given path inside it) exists; when it does not, prints
 * one line, `skipping <what>: ../shared/data/<parts> not found`, so a skipped run says why
 * (the absolute path instead when NETSYNTH_SHARED_DATA chose the folder).
 * Typical use: `const HAVE_LAB = haveShared('the lab acceptance test', 'lab');`.
 */
export function haveShared(what: string, ...parts: string[]): boolean {
  if (existsSync(sharedPath(...parts))) return true;
  const where = OVERRIDDEN
    ? `${sharedPath(...parts)} not found (${SHARED_DATA_ENV} points there)`
    : `${['../shared/data', ...parts].join('/')} not found (${SHARED_DATA_ENV} can point elsewhere)`;
  console.warn(`skipping ${what}: ${where}`);
  return false;
}

/** A capture file by its extension: .pcap, .pcapng, and the one dns.pcapclear of packets/. */
const CAPTURE = /\.pcap(ng|clear)?$/;
/** The capture folders of shared data, in listing order. */
const CAPTURE_DIRS = ['lab', 'packets'] as const;

/**
 * Every capture under `<root>/lab` and `<root>/packets` (in that order, each sorted by name),
 * as absolute paths; empty when the folder is absent. `root` defaults to {@link SHARED_DATA}.
 */
export function sharedCaptures(root: string = SHARED_DATA): string[] {
  const out: string[] = [];
  for (const dir of CAPTURE_DIRS) {
    const abs = join(resolve(root), dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) if (CAPTURE.test(name)) out.push(join(abs, name));
  }
  return out;
}

/**
 * {@link sharedCaptures} as `[name, path]` rows for `it.each`, the name relative to the data
 * folder (`lab/dns.pcap`, `packets/dns.pcap`: unique, where the base name is not).
 */
export function sharedCaptureCases(root: string = SHARED_DATA): [string, string][] {
  const base = resolve(root);
  return sharedCaptures(root).map((path) => [path.slice(base.length + 1), path]);
}

/**
 * {@link sharedCaptureCases} with what each capture should give as a third column: the
 * `counts` of its entry in `expected` (keyed by that name), or `none` for every other capture.
 * For the real-capture tests of the rulesets: "only its deliberate anomalies, nothing else".
 */
export function sharedCaptureExpectations<T>(expected: Readonly<Record<string, { counts: T }>>, none: T, root: string = SHARED_DATA): [string, string, T][] {
  return sharedCaptureCases(root).map(([name, path]) => [name, path, expected[name]?.counts ?? none]);
}

/** The captures of `<root>/lab` only. */
export function labCaptures(root: string = SHARED_DATA): string[] {
  const lab = join(resolve(root), 'lab');
  return sharedCaptures(root).filter((p) => p.startsWith(lab + '/'));
}

/** The largest capture of `<root>/lab` by file size (the heaviest realistic input), if any. */
export function largestLabCapture(root: string = SHARED_DATA): string | undefined {
  return labCaptures(root).sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** Whether `cmd args` runs and exits 0 (e.g. a tool is installed and on PATH). */
export function commandRuns(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, [...args], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether `tshark --version` runs (tshark is on PATH). */
export const HAVE_TSHARK = commandRuns('tshark', ['--version']);

export { alternate, benchCapture, benchPairs, median, mergedLabCapture, throughput, timedCommand, type AlternatedTimes, type TimedRun } from './bench.js';
export { syntheticSeries, type SeriesRng, type SyntheticSeries } from './series.js';
export { concat } from './bytes.js';
export { gaussianDenoiser, sampleStats, type GaussianPrediction } from './diffusion.js';
export { CHROMIUM, consoleLines, haveChromium, reportLayout, runChromium, type ReportLayoutFacts } from './chromium.js';
export { TSHARK_FIELDS, TsharkComparison, innerOnly, tsharkFields, tsharkView } from './tshark.js';
export type { PacketFields, TsharkField, TsharkRow, TsharkRun } from './tshark.js';
