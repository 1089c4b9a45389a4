// Diagnosis of DDIM-50 vs ancestral-1000 (issue 6; README "Bench"): trains (or reuses) the bench's
// model for SEED, then samples it with η-DDIM over a chosen spacing, with or without x̂₀ clipping,
// from a chosen sampling seed, and prints one JSON line per run (FD as in ddpm.bench.mjs, plus the
// mean, std and share of |x| > 0.99 of the samples; the real images' first).
// η = 1 over all 1000 steps is the package's ancestral sampler (same arithmetic, same bytes).
// Not a benchmark (not *.bench.mjs). Env: SEED (2), TRAIN_STEPS (600), REPLICAS (1: the models of the README's diagnosis tables, trained before replicas existed), PER (50 images per class), DIR (model cache,
// default <tmp>/ddpm-diag-s<SEED>), RUNS = comma list of spacing:steps:eta:clip[:samplingSeed],
// spacing linspace | trailing | leading. Example:
//   SEED=2 RUNS=linspace:50:0:1,linspace:50:0:1:3,linspace:1000:1:1 node bench/ddim-diagnosis.mjs
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, deriveSeed, silentProgress, createImageTensor } from '@netsynth/core';
import { frechetDistance, gaussianStats, pooledFeatureExtractor } from '@netsynth/evaluator-fd';
import { InferenceSession } from '@netsynth/nn';
import { createDdpmGenerator, makeSchedule, alphaBar, predictX0Eps, samplingTimesteps } from '@netsynth/generator-ddpm';
import { gasfBenchImages } from './gasf-images.mjs';

const SEED = Number(process.env.SEED ?? 2);
const PER = Number(process.env.PER ?? 50);
const { real, labels, trainingSet } = await gasfBenchImages();
const dir = process.env.DIR ?? join(tmpdir(), `ddpm-diag-s${SEED}`);
const ctx = { seed: SEED, rng: createRng(SEED), progress: silentProgress, workDir: dir, baseDir: dir };
const trainOpts = {
  channels: 16,
  steps: Number(process.env.TRAIN_STEPS ?? 600),
  batchSize: 32,
  lr: 0.004,
  warmupSteps: 50,
  schedule: 'cosine',
  prediction: 'v',
  threads: 2,
  replicas: Number(process.env.REPLICAS ?? 1),
};
const t0 = performance.now();
await createDdpmGenerator(trainOpts).fit(trainingSet, join(dir, 'model'), ctx);
console.error(`train/load ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const cfg = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8'));
const fx = pooledFeatureExtractor(6);
const realStats = gaussianStats(await fx.features(real.map((r) => r.tensor)));
const session = await InferenceSession.create(join(dir, 'model', 'model.onnx'), { intraOpNumThreads: 2 });
const schedule = makeSchedule(cfg.schedule.kind, cfg.schedule.timesteps);
const T = schedule.timesteps;
const geo = cfg.geometry;
const shape = [geo.channels, ...geo.size];
const per = shape.reduce((a, b) => a * b, 1);
const range = cfg.encoder.info.valueRange;
console.error('geometry', JSON.stringify(geo), 'range', range, 'abar[T-1]', alphaBar(schedule, T - 1), 'abar0', alphaBar(schedule, 0));

function spacing(kind, n) {
  if (kind === 'linspace') return samplingTimesteps(T, n);
  if (kind === 'trailing') {
    const r = T / n;
    return Array.from({ length: n }, (_, i) => Math.round(T - i * r) - 1);
  }
  if (kind === 'leading') {
    const r = Math.floor(T / n);
    return Array.from({ length: n }, (_, i) => (n - 1 - i) * r);
  }
}
// η-DDIM over arbitrary timesteps; η=1 with all steps = ancestral DDPM (β̃ variance).
async function sample(sp, n, eta, clip, sseed) {
  const jobs = [];
  for (const l of labels) for (let k = 0; k < PER; k++) jobs.push({ label: l, id: cfg.labels.indexOf(l), k });
  const ts = spacing(sp, n);
  const out = [];
  const t1 = performance.now();
  for (let st = 0; st < jobs.length; st += 64) {
    const batch = jobs.slice(st, st + 64);
    const B = batch.length;
    const rngs = batch.map((j) => createRng(deriveSeed(sseed, `ddpm:sample:${j.label}:${j.k}`)));
    const x = new Float32Array(B * per);
    rngs.forEach((r, b) => {
      for (let i = 0; i < per; i++) x[b * per + i] = r.normal();
    });
    const ids = BigInt64Array.from(batch, (j) => BigInt(j.id));
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k];
      const tn = k + 1 < ts.length ? ts[k + 1] : -1;
      const ab = alphaBar(schedule, t);
      const abn = alphaBar(schedule, tn);
      const r = await session.run({ x: { data: x, shape: [B, ...shape] }, t: { data: new Float32Array(B).fill(t), shape: [B] }, y: { data: ids, shape: [B] } });
      const { x0, eps } = predictX0Eps(x, r.output, ab, cfg.prediction, clip ? range : null);
      if (tn < 0) {
        for (let i = 0; i < x.length; i++) x[i] = x0[i];
        continue;
      }
      const sig = eta * Math.sqrt((1 - abn) / (1 - ab)) * Math.sqrt(1 - ab / abn);
      const a = Math.sqrt(abn);
      const c = Math.sqrt(Math.max(0, 1 - abn - sig * sig));
      if (eta === 1) {
        // the package's ancestral arithmetic
        const alpha = ab / abn,
          beta = 1 - alpha;
        const c0 = (Math.sqrt(abn) * beta) / (1 - ab),
          ct = (Math.sqrt(alpha) * (1 - abn)) / (1 - ab);
        const sd = Math.sqrt((beta * (1 - abn)) / (1 - ab));
        rngs.forEach((rg, b) => {
          for (let j = 0; j < per; j++) {
            const i = b * per + j;
            x[i] = c0 * x0[i] + ct * x[i] + sd * rg.normal();
          }
        });
      } else {
        rngs.forEach((rg, b) => {
          for (let j = 0; j < per; j++) {
            const i = b * per + j;
            x[i] = a * x0[i] + c * eps[i] + (sig > 0 ? sig * rg.normal() : 0);
          }
        });
      }
    }
    for (let b = 0; b < B; b++) out.push(createImageTensor(geo.channels, geo.height, geo.width, x.slice(b * per, (b + 1) * per)));
  }
  const secs = (performance.now() - t1) / 1000;
  const fd = frechetDistance(realStats, gaussianStats(await fx.features(out)));
  let m = 0,
    v = 0,
    nn = 0,
    sat = 0;
  for (const o of out)
    for (const q of o.data) {
      m += q;
      v += q * q;
      nn++;
      if (Math.abs(q) > 0.99) sat++;
    }
  m /= nn;
  v = v / nn - m * m;
  console.log(
    JSON.stringify({
      seed: SEED,
      sseed,
      per: PER,
      spacing: sp,
      steps: n,
      eta,
      clip,
      fd: +fd.toFixed(4),
      mean: +m.toFixed(4),
      std: +Math.sqrt(v).toFixed(4),
      sat: +(sat / nn).toFixed(4),
      seconds: +secs.toFixed(1),
    }),
  );
}
let rm = 0,
  rv = 0,
  rn = 0,
  rs = 0;
for (const r of real)
  for (const q of r.tensor.data) {
    rm += q;
    rv += q * q;
    rn++;
    if (Math.abs(q) > 0.99) rs++;
  }
rm /= rn;
console.log(JSON.stringify({ real: true, mean: +rm.toFixed(4), std: +Math.sqrt(rv / rn - rm * rm).toFixed(4), sat: +(rs / rn).toFixed(4) }));
for (const spec of (process.env.RUNS ?? 'linspace:50:0:1').split(',')) {
  const [sp, n, eta, clip, ss] = spec.split(':');
  await sample(sp, Number(n), Number(eta), clip === '1', ss ? Number(ss) : SEED);
}
