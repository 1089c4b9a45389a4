// nPrint CSV beside the nprint tool: NETSYNTH_BENCH_CAPTURE (any capture, e.g. the full-size
// one a closing note quotes), else the lab captures appended to ~NETSYNTH_NPRINT_MB MB
// (default 140, mergecap -a, kept in the temp folder) → CSV with NetDiffusion's columns, by
// our streaming writer (csv-once.mjs, a fresh process: what `netsynth encode --format csv`
// runs) and by nprint (`-4 -i -6 -t -u -p 0`), built from ../shared/bench/nprint in the temp
// folder (never copied into the repo). Alternated A B A B … (NETSYNTH_BENCH_PAIRS, default
// 3); `ratio` is the median of the pairwise wall-time ratios ours/nprint, with min and max;
// `identical` compares the two files byte for byte. With GNU time (/usr/bin/time) each run's
// CPU seconds (user + sys) are measured too: `cpu_s` / `nprint_cpu_s` (medians) and
// `cpu_ratio` (median pairwise ratio, min, max), the figure that other load distorts least,
// and `peak_mb` / `nprint_peak_mb`. Prints one JSON line.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_DATA, alternate, benchCapture, benchPairs, labCaptures, median, timedCommand } from '@netsynth/test-support';

const ONCE = fileURLToPath(new URL('./csv-once.mjs', import.meta.url));
const TARGET_MB = Number(process.env.NETSYNTH_NPRINT_MB) > 0 ? Number(process.env.NETSYNTH_NPRINT_MB) : 140;
const WORK = join(tmpdir(), 'netsynth-bench');
const r1 = (v) => Math.round(v * 10) / 10;
const r3 = (v) => Math.round(v * 1000) / 1000;

function emit(obj) {
  process.stdout.write(`${JSON.stringify({ bench: 'nprint.csv', ...obj })}\n`);
}

/** Builds nprint from ../shared/bench/nprint (its BUILD.md steps) once; the binary's path, or an error text. */
function buildNprint() {
  const binary = join(WORK, 'nprint-build', 'nprint', 'nprint');
  if (existsSync(binary)) return { binary };
  const source = join(SHARED_DATA, '..', 'bench', 'nprint');
  if (!existsSync(source)) return { error: `${source} not found` };
  const dir = mkdtempSync(join(tmpdir(), 'nprint-build-'));
  cpSync(source, join(dir, 'nprint'), { recursive: true });
  console.error(`[nprint.csv] building nprint in ${dir} (autoreconf, configure, make)`);
  const r = spawnSync('sh', ['-c', 'autoreconf -i && ./configure && make -j2'], {
    cwd: join(dir, 'nprint'),
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) return { error: `nprint build failed (needs autoconf, automake, g++, libpcap-dev): ${(r.stderr ?? '').trim().split('\n').pop()}` };
  rmSync(join(WORK, 'nprint-build'), { recursive: true, force: true });
  cpSync(dir, join(WORK, 'nprint-build'), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  return { binary };
}

/** Wall seconds of a command run to completion (stdout/stderr discarded). */
function timed(cmd, args, onStdout) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited with ${code}`));
      onStdout?.(out);
      resolve(Number(process.hrtime.bigint() - start) / 1e9);
    });
  });
}

async function sameBytes(x, y) {
  if (statSync(x).size !== statSync(y).size) return false;
  const [a, b] = [await open(x), await open(y)];
  const [ba, bb] = [Buffer.alloc(8 << 20), Buffer.alloc(8 << 20)];
  try {
    for (;;) {
      const [ra, rb] = [await a.read(ba, 0, ba.length), await b.read(bb, 0, bb.length)];
      if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
      if (ra.bytesRead === 0) return true;
    }
  } finally {
    await a.close();
    await b.close();
  }
}

/** CPU-time figures of the alternated runs (empty without GNU time). */
function cpuFigures({ ours, nprint, nprintPeaks }) {
  if (ours.length === 0) return {};
  const ratios = ours.map((c, i) => c / nprint[i]).filter(Number.isFinite);
  return {
    cpu_s: r3(median(ours)),
    nprint_cpu_s: nprint.length ? r3(median(nprint)) : null,
    cpu_ratio: ratios.length ? r3(median(ratios)) : null,
    cpu_ratio_min: ratios.length ? r3(Math.min(...ratios)) : null,
    cpu_ratio_max: ratios.length ? r3(Math.max(...ratios)) : null,
    nprint_peak_mb: nprintPeaks.length ? Math.max(...nprintPeaks) : null,
  };
}

const capture = benchCapture(TARGET_MB, labCaptures());
const nprint = capture ? buildNprint() : { error: 'no capture' };
if (!capture) {
  emit({ skipped: '../shared/data/lab or mergecap not found', ms: null, nprint_ms: null });
} else {
  const ours = join(WORK, 'ours.nprint');
  const theirs = join(WORK, 'nprint.nprint');
  const load = loadavg()[0];
  const peaks = [];
  let rows = 0;
  let identical = null;
  const cpu = { ours: [], nprint: [], nprintPeaks: [] };
  // Under GNU time when present (CPU seconds and peak RSS per run), else wall time alone.
  const run = async (cmd, args, side) => {
    const t = timedCommand(cmd, args);
    if (!t) {
      let stdout = '';
      const wall = await timed(cmd, args, (out) => (stdout = out));
      return { wall, stdout };
    }
    cpu[side].push(t.cpu);
    if (side === 'nprint') cpu.nprintPeaks.push(t.peakMb);
    return t;
  };
  const runOurs = async () => {
    const t = await run(process.execPath, [ONCE, capture, ours], 'ours');
    const r = JSON.parse(t.stdout.trim().split('\n').pop());
    peaks.push(r.peak_mb);
    rows = r.rows;
    return t.wall;
  };
  const runNprint = async (pair) => {
    const t = await run(nprint.binary, ['-P', capture, '-4', '-i', '-6', '-t', '-u', '-p', '0', '-W', theirs], 'nprint');
    if (pair === 0) identical = await sameBytes(ours, theirs);
    rmSync(ours, { force: true });
    rmSync(theirs, { force: true });
    return t.wall;
  };
  const pairs = benchPairs(3);
  let result;
  if (nprint.binary) {
    result = await alternate(pairs, runOurs, runNprint, (i, a, b) =>
      console.error(`[nprint.csv] pair ${i + 1}: ours ${a.toFixed(2)} s, nprint ${b.toFixed(2)} s`),
    );
  } else {
    console.error(`[nprint.csv] nprint unavailable: ${nprint.error}`);
    const alone = [];
    for (let i = 0; i < pairs; i++) alone.push(await runOurs());
    rmSync(ours, { force: true });
    result = { a: alone, b: [], ratio: null, ratioMin: null, ratioMax: null };
  }
  emit({
    capture_mb: r1(statSync(capture).size / 1e6),
    rows,
    ms: Math.round(median(result.a) * 1000),
    nprint_ms: result.b.length ? Math.round(median(result.b) * 1000) : null,
    ratio: result.ratio === null ? null : r3(result.ratio),
    ratio_min: result.ratioMin === null ? null : r3(result.ratioMin),
    ratio_max: result.ratioMax === null ? null : r3(result.ratioMax),
    pairs,
    identical,
    peak_mb: Math.max(...peaks),
    ...cpuFigures(cpu),
    load: [r1(load), r1(loadavg()[0])],
  });
}
