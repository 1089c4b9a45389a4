// Benchmark: one denoising step of the tiny Stable Diffusion UNet alone and of the tiny
// ControlNet + UNet pair (ControlNet residuals computed, then fed to the UNet), as the SD
// sampler runs them with classifier-free guidance (UNet batch 2 = one image). The tiny
// folder is built by @netsynth/generator-stable-diffusion (64-pixel images, 8×8 latents),
// the ControlNet beside it by this package (perturbed zero convs so its residuals are real
// numbers, not zeros). Prints one JSON line (sd.controlnet_step); details go to stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createRng } from '@netsynth/core';
import { buildTinyStableDiffusion } from '@netsynth/generator-stable-diffusion';
import { ControlNetModel, buildTinyControlNet } from '@netsynth/generator-controlnet';

const THREADS = 2;
const STEPS = 30;
const WARMUP = 3;
const B = 2;
// The UNet session without busy-waiting threads, as the ControlNet's (see README); NETSYNTH_BENCH_SPIN=1 to compare.
const SPIN = process.env.NETSYNTH_BENCH_SPIN === '1' ? '1' : '0';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const root = mkdtempSync(join(tmpdir(), 'netsynth-cn-bench-'));
try {
  const sd = await buildTinyStableDiffusion(join(root, 'sd'), { seed: 1 });
  const cnInfo = await buildTinyControlNet(join(root, 'sd'), { seed: 1, perturb: 0.05 });
  const { latentSize: lat, resolution: res, maxLength: L, textDim: D } = sd;
  const cn = await ControlNetModel.load(cnInfo.path, { intraOpNumThreads: THREADS, allowSpinning: SPIN === '1' });
  const unet = await ort.InferenceSession.create(join(root, 'sd', 'unet', 'model.onnx'), {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: SPIN } } },
  });
  const rng = createRng(7);
  const sample = Float32Array.from({ length: B * 4 * lat * lat }, () => rng.normal());
  const hidden = Float32Array.from({ length: B * L * D }, () => rng.normal());
  const cond = Float32Array.from({ length: B * 3 * res * res }, () => (rng.next() < 0.5 ? 1 : 0));
  const timestepFeed = (t) => new ort.Tensor('float32', new Float32Array(B).fill(t), [B]);
  const zeros = Object.fromEntries(
    sd.residualInputs.map((r) => [
      r.name,
      new ort.Tensor('float32', new Float32Array(B * r.dims.slice(1).reduce((a, b) => a * b, 1)), [B, ...r.dims.slice(1)]),
    ]),
  );
  const base = (t) => ({
    sample: new ort.Tensor('float32', sample, [B, 4, lat, lat]),
    timestep: timestepFeed(t),
    encoder_hidden_states: new ort.Tensor('float32', hidden, [B, L, D]),
  });

  const unetOnly = async (t) => {
    await unet.run({ ...base(t), ...zeros });
  };
  const pairStep = async (t) => {
    const r = await cn.run({
      sample,
      sampleDims: [B, 4, lat, lat],
      timestep: t,
      encoderHiddenStates: hidden,
      hiddenDims: [B, L, D],
      cond,
      condDims: [B, 3, res, res],
      conditioningScale: 1,
    });
    const feeds = base(t);
    r.down.forEach((d, i) => (feeds[`down_block_${i}`] = new ort.Tensor('float32', d.data, d.dims)));
    feeds['mid_block_additional_residual'] = new ort.Tensor('float32', r.mid.data, r.mid.dims);
    await unet.run(feeds);
  };
  const time = async (fn) => {
    const xs = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const t0 = process.hrtime.bigint();
      await fn(999 - 33 * (i % 30));
      if (i >= WARMUP) xs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return median(xs);
  };
  // Interleave the two measurements twice so background load hits both alike.
  const u1 = await time(unetOnly);
  const p1 = await time(pairStep);
  const u2 = await time(unetOnly);
  const p2 = await time(pairStep);
  const unetS = Math.min(u1, u2);
  const pairS = Math.min(p1, p2);
  console.error(
    `[controlnet.bench] tiny SD ${res}px (latents ${lat}×${lat}), UNet batch ${B}, ${THREADS} threads, median of ${STEPS}: UNet ${(unetS * 1e3).toFixed(2)} ms, ControlNet+UNet ${(pairS * 1e3).toFixed(2)} ms; ControlNet parameters ${cnInfo.parameters}`,
  );
  console.log(
    JSON.stringify({
      bench: 'sd.controlnet_step',
      seconds_per_step: Number(pairS.toFixed(6)),
      unet_only_seconds_per_step: Number(unetS.toFixed(6)),
      controlnet_overhead: Number((pairS / unetS).toFixed(3)),
      resolution: res,
      unet_batch: B,
      threads: THREADS,
      spinning: SPIN === '1',
      steps: STEPS,
    }),
  );
  await cn.dispose();
  await unet.release();
} finally {
  rmSync(root, { recursive: true, force: true });
}
