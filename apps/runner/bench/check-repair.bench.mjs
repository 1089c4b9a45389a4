// `netsynth check --repair` on a big real capture (NETSYNTH_BENCH_CAPTURE, e.g. a 1 GB one,
// else the lab captures appended to ~NETSYNTH_BENCH_MB MB, default 64, with mergecap -a, kept
// in the temp folder), and `netsynth check` alone on the same file, each in a fresh process
// under GNU time so `peak_mb` is that process's own peak RSS. The capture streams through the
// rulesets in chunks of --chunk-packets (NETSYNTH_BENCH_CHUNK, default: the CLI's), so the peak
// must not grow with the capture; `mb_per_cpu_s` is the figure that other processes' load
// distorts least. Prints one JSON line:
// {"bench":"check.repair","mb_per_s":…,"peak_mb":…,"check_mb_per_s":…,"check_peak_mb":…,…}
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_DATA, benchCapture, labCaptures, largestLabCapture, timedCommand } from '@netsynth/test-support';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'apps', 'runner', 'dist', 'cli.js');
const TARGET_MB = Number(process.env.NETSYNTH_BENCH_MB) > 0 ? Number(process.env.NETSYNTH_BENCH_MB) : 64;
const CHUNK = process.env.NETSYNTH_BENCH_CHUNK ? ['--chunk-packets', process.env.NETSYNTH_BENCH_CHUNK] : [];
const r1 = (v) => Math.round(v * 10) / 10;

function emit(obj) {
  process.stdout.write(`${JSON.stringify({ bench: 'check.repair', ...obj })}\n`);
}

const file = existsSync(cli) ? (benchCapture(TARGET_MB, labCaptures()) ?? largestLabCapture()) : undefined;
if (!existsSync(cli)) {
  emit({ skipped: 'apps/runner/dist/cli.js not built (pnpm build)', mb_per_s: null, peak_mb: null });
} else if (!file) {
  emit({ skipped: '../shared/data/lab not found', file: null, mb_per_s: null, peak_mb: null });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-bench-check-'));
  try {
    const mb = statSync(file).size / 1e6;
    const load = loadavg()[0];
    const repair = timedCommand(process.execPath, [cli, 'check', file, '--repair', join(dir, 'repaired.pcap'), '--json', ...CHUNK]);
    const check = timedCommand(process.execPath, [cli, 'check', file, '--json', ...CHUNK]);
    if (!repair || !check) {
      emit({ skipped: '/usr/bin/time (GNU time) not found', mb_per_s: null, peak_mb: null });
    } else {
      const report = JSON.parse(repair.stdout);
      emit({
        file: file.startsWith(SHARED_DATA) ? relative(SHARED_DATA, file) : file,
        mb: r1(mb),
        packets: report.packets,
        chunks: report.chunks?.count ?? null,
        chunk_packets: report.chunks?.packets ?? null,
        changes: report.repair?.changes ?? null,
        mb_per_s: r1(mb / repair.wall),
        mb_per_cpu_s: r1(mb / repair.cpu),
        peak_mb: repair.peakMb,
        check_mb_per_s: r1(mb / check.wall),
        check_mb_per_cpu_s: r1(mb / check.cpu),
        check_peak_mb: check.peakMb,
        load: [r1(load), r1(loadavg()[0])],
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
