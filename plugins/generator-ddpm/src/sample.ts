/**
 * Sampling from a saved model directory: the exported EMA denoiser on onnxruntime-node,
 * batched; classifier-free guidance evaluates the conditional and the null-label halves in
 * the same run. Sample k of label L always starts from the stream derived from (seed, L, k),
 * so it does not depend on the batch size or on the other labels requested.
 */
import { createImageTensor, createRng, deriveSeed, InterruptedError, type GeneratedSample, type PluginContext, type SampleRequest } from '@netsynth/core';
import { pluginRuntime } from '@netsynth/nn';
import { cropFrom, sampleSize } from './geometry.js';
import { openModelSession, readModelConfig, runDenoiser, type DdpmModelConfig } from './model-dir.js';
import { defaultSampleSteps, type DdpmOptions } from './options.js';
import { guide, runSampler } from './samplers.js';
import { makeSchedule } from './schedule.js';

export type SamplingOptions = Pick<
  DdpmOptions,
  'sampler' | 'sampleSteps' | 'ddimEta' | 'guidanceScale' | 'sampleBatchSize' | 'clipDenoised' | 'threads' | 'executionProviders'
>;

export interface SampleStats {
  images: number;
  seconds: number;
  modelEvaluations: number;
}

/** How a model folder is sampled; a time-chunked folder's sampler has the same contract as a plain one. */
export type DdpmSampler = (modelDir: string, request: SampleRequest, o: SamplingOptions, ctx: PluginContext, stats?: SampleStats) => Promise<GeneratedSample[]>;

/** Generates `request.perLabel` images per label; labels the model was not trained on are skipped with a warning. */
export const sampleDdpm: DdpmSampler = async (modelDir, request, o, ctx, stats) => {
  const cfg: DdpmModelConfig = await readModelConfig(modelDir);
  const session = await openModelSession(modelDir, pluginRuntime(ctx, o.executionProviders, o.threads ? { intraOpNumThreads: o.threads } : {}));
  const t0 = performance.now();
  try {
    const schedule = makeSchedule(cfg.schedule.kind, cfg.schedule.timesteps);
    const steps = o.sampleSteps ?? defaultSampleSteps(o.sampler, cfg.schedule.timesteps);
    const geo = cfg.geometry;
    const per = sampleSize(geo);
    const shape = [geo.channels, ...geo.size];
    const nullId = cfg.labels.length;
    const jobs: { label: string; id: number; k: number }[] = [];
    for (const [label, count] of Object.entries(request.perLabel)) {
      const id = cfg.labels.indexOf(label);
      if (id < 0) {
        if (count > 0) ctx.progress.warn(`ddpm: the model was not trained on label "${label}" (labels: ${cfg.labels.join(', ')}); skipped`);
        continue;
      }
      const first = request.first?.[label] ?? 0;
      for (let k = 0; k < count; k++) jobs.push({ label, id, k: first + k });
    }
    const w = o.guidanceScale;
    const batches = Math.ceil(jobs.length / o.sampleBatchSize);
    const task = ctx.progress.start(`ddpm sample (${o.sampler}, ${steps} steps)`, batches * steps, 'steps');
    const out: GeneratedSample[] = [];
    let evals = 0;
    for (let start = 0; start < jobs.length; start += o.sampleBatchSize) {
      const batch = jobs.slice(start, start + o.sampleBatchSize);
      const n = batch.length;
      const condIds = BigInt64Array.from(batch, (j) => BigInt(j.id));
      const both = w !== 1 && w !== 0;
      const ids = both
        ? BigInt64Array.from([...condIds, ...batch.map(() => BigInt(nullId))])
        : w === 0
          ? BigInt64Array.from(batch, () => BigInt(nullId))
          : condIds;
      const rows = ids.length;
      const model = async (x: Float32Array, t: number): Promise<Float32Array> => {
        if (ctx.signal?.aborted) throw new InterruptedError('sampling interrupted');
        let input = x;
        if (both) {
          input = new Float32Array(2 * x.length);
          input.set(x);
          input.set(x, x.length);
        }
        const feeds = {
          x: { data: input, shape: [rows, ...shape] },
          t: { data: new Float32Array(rows).fill(t), shape: [rows] },
          y: { data: ids, shape: [rows] },
        };
        const y = await runDenoiser(session, modelDir, feeds, input.length);
        evals += rows;
        return both ? guide(y.subarray(0, x.length), y.subarray(x.length), w) : y;
      };
      const rngs = batch.map((j) => createRng(deriveSeed(ctx.seed, `ddpm:sample:${j.label}:${j.k}`)));
      const x = await runSampler(model, {
        schedule,
        prediction: cfg.prediction,
        sampler: o.sampler,
        warn: (m) => ctx.progress.warn(`ddpm: ${m}`),
        steps,
        eta: o.ddimEta,
        rngs,
        size: per,
        clip: o.clipDenoised ? cfg.encoder.info.valueRange : null,
        ...(ctx.signal && { signal: ctx.signal }),
        onStep: () => task.tick(1),
      });
      for (let b = 0; b < n; b++) {
        const j = batch[b] as (typeof batch)[number];
        out.push({ label: j.label, tensor: createImageTensor(geo.channels, geo.height, geo.width, cropFrom(geo, x, b * per)) });
      }
    }
    task.done(`${out.length} images`);
    if (stats) {
      stats.images = out.length;
      stats.seconds = (performance.now() - t0) / 1000;
      stats.modelEvaluations = evals;
    }
    return out;
  } finally {
    await session.dispose();
  }
};
