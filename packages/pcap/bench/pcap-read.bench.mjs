// Reader throughput: read + dissect every packet of a big real capture (NETSYNTH_BENCH_CAPTURE,
// e.g. a 1 GB one, else the lab captures appended to ~NETSYNTH_BENCH_MB MB, default 256, with
// mergecap -a, kept in the temp folder),
// alternated with tshark reading the same file (A B A B …, NETSYNTH_BENCH_PAIRS pairs,
// default 3): `ratio` is the median of the pairwise time ratios ours/tshark, with min and max.
// Each of our passes runs in a fresh process (read-once.mjs) so `peak_mb` is its own peak
// RSS; `mb_per_cpu_s` is the capture's MB per CPU second (user + sys) of our passes, the
// speed figure that other processes' load distorts least; `inspect_*` is one pass of
// summarizeCapture (what `netsynth inspect` does).
// Prints one JSON line.
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HAVE_TSHARK, SHARED_DATA, alternate, benchCapture, benchPairs, labCaptures, largestLabCapture, median } from '@netsynth/test-support';

const ONCE = fileURLToPath(new URL('./read-once.mjs', import.meta.url));
const TARGET_MB = Number(process.env.NETSYNTH_BENCH_MB) > 0 ? Number(process.env.NETSYNTH_BENCH_MB) : 256;
const r1 = (v) => Math.round(v * 10) / 10;

function emit(obj) {
  process.stdout.write(`${JSON.stringify({ bench: 'pcap.read', ...obj })}\n`);
}

function once(file, mode) {
  const r = spawnSync(process.execPath, [ONCE, file, mode], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`read-once.mjs ${mode} exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function tsharkSeconds(file) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('tshark', ['-r', file, '-n', '-T', 'fields', '-e', 'frame.number'], { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e9) : reject(new Error(`tshark exited with ${code}`))));
  });
}

const file = benchCapture(TARGET_MB, labCaptures()) ?? largestLabCapture();
if (!file) {
  emit({ skipped: '../shared/data/lab not found', file: null, mb_per_s: null, peak_mb: null });
} else {
  const mb = statSync(file).size / 1e6;
  const load = loadavg()[0];
  once(file, 'dissect'); // warm-up: page cache
  const peaks = [];
  const cpus = [];
  let packets = 0;
  const ours = (mode) => {
    const r = once(file, mode);
    peaks.push(r.peak_mb);
    cpus.push(r.cpu_s);
    packets = r.packets;
    return r.seconds;
  };
  const pairs = benchPairs(3);
  const timed = HAVE_TSHARK
    ? await alternate(
        pairs,
        () => ours('dissect'),
        () => tsharkSeconds(file),
      )
    : null;
  const alone = timed ? timed.a : Array.from({ length: pairs }, () => ours('dissect'));
  const inspect = once(file, 'inspect');
  emit({
    file: file.startsWith(SHARED_DATA) ? relative(SHARED_DATA, file) : file,
    mb: r1(mb),
    packets,
    mb_per_s: r1(mb / median(alone)),
    packets_per_s: Math.round(packets / median(alone)),
    mb_per_cpu_s: r1(mb / median(cpus)),
    peak_mb: Math.max(...peaks),
    tshark_mb_per_s: timed ? r1(mb / median(timed.b)) : null,
    ratio: timed ? Math.round(timed.ratio * 1000) / 1000 : null,
    ratio_min: timed ? Math.round(timed.ratioMin * 1000) / 1000 : null,
    ratio_max: timed ? Math.round(timed.ratioMax * 1000) / 1000 : null,
    pairs,
    inspect_mb_per_s: r1(mb / inspect.seconds),
    inspect_mb_per_cpu_s: r1(mb / inspect.cpu_s),
    inspect_peak_mb: inspect.peak_mb,
    load: [r1(load), r1(loadavg()[0])],
  });
}
