// Benchmark (issue 6): train one small class-conditional DDPM on GASF images of packet-size
// series (../shared/data/lab, or the bundled examples/data/demo when absent), then sample the
// same model with ancestral DDPM (1000 steps), DDIM (50) and DPM-Solver++ 2M (20) and report
// images/s and the Fréchet distance to the real training images (evaluator-fd's fixed pooled
// features). Prints `ddpm.train`, `ddpm.sample` (one per sampler) and `ddpm.fd_reference`
// (real holdout vs real training images: the FD floor at this sample size). Details on stderr.
// Each sampler runs with several sampling seeds: one sampler's FD moves by up to ±25 %
// between sampling seeds at 350 images (README), as much as the 10 % the samplers are
// compared by, so `fd` is the FD of all seeds' images together, with each seed's beside it.
// Scale via env: DDPM_BENCH_STEPS (5000), DDPM_BENCH_PER_LABEL (50), DDPM_BENCH_SAMPLING_SEEDS
// (3), DDPM_BENCH_THREADS (2), DDPM_BENCH_GUIDANCE (1: the conditional model itself, one
// model evaluation per step), DDPM_BENCH_SEED (1: training seed; sampling seeds follow it).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, silentProgress } from '@netsynth/core';
import { frechetDistance, gaussianStats, pooledFeatureExtractor } from '@netsynth/evaluator-fd';
import { createDdpmGenerator } from '@netsynth/generator-ddpm';
import { gasfBenchImages } from './gasf-images.mjs';

const env = (k, d) => (process.env[k] ? Number(process.env[k]) : d);
const STEPS = env('DDPM_BENCH_STEPS', 5000);
const PER_LABEL = env('DDPM_BENCH_PER_LABEL', 50);
const SAMPLING_SEEDS = env('DDPM_BENCH_SAMPLING_SEEDS', 3);
const THREADS = env('DDPM_BENCH_THREADS', 2);
const GUIDANCE = env('DDPM_BENCH_GUIDANCE', 1);
const SEED = env('DDPM_BENCH_SEED', 1);
const only = process.env.NETSYNTH_BENCH_ONLY ?? '';

const { dataDir, real, realHoldout, labels, trainingSet } = await gasfBenchImages();
console.error(`[ddpm.bench] ${dataDir}: ${real.length} training images, ${realHoldout.length} holdout, labels ${labels.join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'ddpm-bench-'));
const ctx = { seed: SEED, rng: createRng(SEED), progress: silentProgress, workDir: dir, baseDir: dir };
const trainOpts = { channels: 16, steps: STEPS, batchSize: 32, lr: 0.004, warmupSteps: 50, schedule: 'cosine', prediction: 'v', threads: THREADS };
try {
  const gen = createDdpmGenerator(trainOpts);
  const t0 = performance.now();
  const fit = await gen.fit(trainingSet, join(dir, 'model'), ctx);
  const trainSeconds = (performance.now() - t0) / 1000;
  const cfg = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8'));
  console.log(
    JSON.stringify({
      bench: 'ddpm.train',
      steps_per_s: +cfg.training.stepsPerSecond.toFixed(2),
      steps: fit.steps,
      batch: 32,
      images: real.length,
      resolution: '1x16x16',
      parameters: cfg.training.parameters,
      final_loss: +fit.finalLoss.toFixed(4),
      seconds_total: +trainSeconds.toFixed(1),
      threads: THREADS,
      seed: SEED,
    }),
  );

  const fx = pooledFeatureExtractor(6);
  const realStats = gaussianStats(await fx.features(real.map((r) => r.tensor)));
  const floor = frechetDistance(realStats, gaussianStats(await fx.features(realHoldout.map((r) => r.tensor))));
  console.log(
    JSON.stringify({ bench: 'ddpm.fd_reference', fd: +floor.toFixed(4), real_train: real.length, real_holdout: realHoldout.length, features: fx.name }),
  );

  const perLabel = Object.fromEntries(labels.map((l) => [l, PER_LABEL]));
  const fdOf = async (tensors) => frechetDistance(realStats, gaussianStats(await fx.features(tensors)));
  let ancestralFd;
  for (const [sampler, steps] of [
    ['ancestral', 1000],
    ['ddim', 50],
    ['dpmpp2m', 20],
  ]) {
    if (only && only.startsWith('ddpm.sample.') && !only.endsWith(sampler)) continue;
    const all = [];
    const bySeed = [];
    let seconds = 0;
    for (let k = 0; k < SAMPLING_SEEDS; k++) {
      const seed = SEED + k;
      const stats = {};
      const out = await createDdpmGenerator({ sampler, sampleSteps: steps, guidanceScale: GUIDANCE, sampleBatchSize: 64, threads: THREADS }).sample(
        join(dir, 'model'),
        { perLabel },
        { ...ctx, seed, rng: createRng(seed) },
        stats,
      );
      seconds += stats.seconds;
      const tensors = out.map((o) => o.tensor);
      all.push(...tensors);
      bySeed.push(+(await fdOf(tensors)).toFixed(4));
      console.error(`[ddpm.bench] ${sampler}-${steps} sampling seed ${seed}: FD ${bySeed.at(-1)} (${out.length} images, ${stats.seconds.toFixed(1)} s)`);
    }
    const fd = await fdOf(all);
    if (sampler === 'ancestral') ancestralFd = fd;
    const vsAncestral = ancestralFd ? +(fd / ancestralFd - 1).toFixed(3) : null;
    console.log(
      JSON.stringify({
        bench: 'ddpm.sample',
        sampler,
        steps,
        images_per_s: +(all.length / seconds).toFixed(3),
        fd: +fd.toFixed(4),
        fd_vs_ancestral: vsAncestral,
        fd_by_sampling_seed: bySeed,
        images: all.length,
        sampling_seeds: SAMPLING_SEEDS,
        guidance: GUIDANCE,
        seconds: +seconds.toFixed(1),
        threads: THREADS,
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
