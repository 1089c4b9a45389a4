// `netsynth eval` of a big real capture (NETSYNTH_BENCH_CAPTURE, e.g. a 1 GB one, else the lab
// captures appended to ~NETSYNTH_BENCH_MB MB, default 64, with mergecap -a) against the
// largest lab capture, every default evaluator (validity runs tshark when it is on PATH), the
// default --max-samples-per-label, in a fresh process under GNU time: `peak_mb` is the
// process's peak RSS, tshark's included (Linux folds a waited-for child's peak into its
// parent's). Eval keeps a seeded sample per label, so the peak must not grow with the capture:
// `within` says whether it stayed under TARGET_MB (512, issue 18). Prints one JSON line:
// {"bench":"eval.memory","mb":…,"wall_s":…,"cpu_s":…,"peak_mb":…,"target_mb":512,"within":…,…}
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_DATA, benchCapture, labCaptures, largestLabCapture, timedCommand } from '@netsynth/test-support';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'apps', 'runner', 'dist', 'cli.js');
const TARGET_MB = 512;
const SIZE_MB = Number(process.env.NETSYNTH_BENCH_MB) > 0 ? Number(process.env.NETSYNTH_BENCH_MB) : 64;
const r1 = (v) => Math.round(v * 10) / 10;

function emit(obj) {
  process.stdout.write(`${JSON.stringify({ bench: 'eval.memory', ...obj })}\n`);
}

const synthetic = largestLabCapture();
const file = existsSync(cli) ? (benchCapture(SIZE_MB, labCaptures()) ?? synthetic) : undefined;
if (!existsSync(cli)) {
  emit({ skipped: 'apps/runner/dist/cli.js not built (pnpm build)', peak_mb: null });
} else if (!file || !synthetic) {
  emit({ skipped: '../shared/data/lab not found', peak_mb: null });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-bench-eval-'));
  try {
    const load = loadavg()[0];
    const run = timedCommand(process.execPath, [cli, 'eval', '--real', file, '--synthetic', synthetic, '-o', join(dir, 'out'), '--json']);
    if (!run) {
      emit({ skipped: '/usr/bin/time (GNU time) not found', peak_mb: null });
    } else {
      const metrics = JSON.parse(run.stdout);
      emit({
        file: file.startsWith(SHARED_DATA) ? relative(SHARED_DATA, file) : file,
        mb: r1(statSync(file).size / 1e6),
        real: metrics.inputs?.real ?? null,
        wall_s: r1(run.wall),
        cpu_s: r1(run.cpu),
        peak_mb: run.peakMb,
        target_mb: TARGET_MB,
        within: run.peakMb <= TARGET_MB,
        load: [r1(load), r1(loadavg()[0])],
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
