/**
 * Sampling a time-chunked model: sample k of a label goes to the chunk `chunkSequence` picks
 * from the real start counts (k's place depends on k alone, so shards agree), each chunk's
 * model makes its samples from its own noise streams, and their start values are mapped from
 * the chunk's own time range back to the trace's, so every sample starts inside its chunk.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, ModelFileError, type GeneratedSample, type SampleRequest } from '@netsynth/core';
import { chunkSequence } from './chunks.js';
import { CHUNKS_FORMAT, chunkSeed, type ChunksFile } from './chunked-train.js';
import { modelFile, readModelConfig } from './model-dir.js';
import { sampleDdpm, type DdpmSampler, type SampleStats } from './sample.js';
import { readTimeAxis } from './time-axis.js';

/** True when the folder holds a time-chunked model (chunks.json). */
export function isChunked(modelDir: string): boolean {
  return existsSync(modelFile(modelDir, 'chunks'));
}

async function readChunks(modelDir: string): Promise<ChunksFile> {
  const path = modelFile(modelDir, 'chunks');
  const file = JSON.parse(await readFile(path, 'utf8')) as Partial<ChunksFile>;
  if (file.format !== CHUNKS_FORMAT || !Array.isArray(file.chunks) || file.chunks.length !== file.count) {
    throw new ModelFileError(`not a ${CHUNKS_FORMAT} chunk list`, path);
  }
  return file as ChunksFile;
}

interface Job {
  label: string;
  chunk: number;
  /** Index of the sample among the chunk's samples of the label. */
  j: number;
}

/** Where each requested sample comes from: per label, k = first … first + n − 1 in order. */
function plan(file: ChunksFile, request: SampleRequest, warn: (m: string) => void): Job[] {
  const jobs: Job[] = [];
  for (const [label, n] of Object.entries(request.perLabel)) {
    const first = request.first?.[label] ?? 0;
    const seq = chunkSequence(
      file.chunks.map((c) => (c.dir ? (c.starts[label] ?? 0) : 0)),
      first + n,
    );
    if (!seq.length) {
      if (n > 0) warn(`ddpm: the model was not trained on label "${label}"; skipped`);
      continue;
    }
    const seen = file.chunks.map(() => 0);
    seq.forEach((c, k) => {
      if (k >= first) jobs.push({ label, chunk: c, j: seen[c] as number });
      seen[c] = (seen[c] as number) + 1;
    });
  }
  return jobs;
}

export const sampleChunked: DdpmSampler = async (modelDir, request, o, ctx, stats) => {
  const file = await readChunks(modelDir);
  const jobs = plan(file, request, (m) => ctx.progress.warn(m));
  const made = new Map<string, GeneratedSample>();
  const total: SampleStats = { images: 0, seconds: 0, modelEvaluations: 0 };
  for (const chunk of file.chunks) {
    const mine = jobs.filter((j) => j.chunk === chunk.index);
    if (!mine.length || !chunk.dir) continue;
    const perLabel: Record<string, number> = {};
    const first: Record<string, number> = {};
    for (const j of mine) {
      perLabel[j.label] = (perLabel[j.label] ?? 0) + 1;
      first[j.label] = Math.min(first[j.label] ?? Infinity, j.j);
    }
    const dir = join(modelDir, chunk.dir);
    const info = (await readModelConfig(dir)).encoder.info;
    const axis = readTimeAxis(info);
    if (!axis) throw new ModelFileError('a time-chunked model whose encoder declares no time axis', modelFile(dir, 'config'));
    const seed = chunkSeed(ctx.seed, chunk.index);
    const own: SampleStats = { images: 0, seconds: 0, modelEvaluations: 0 };
    const out = await sampleDdpm(dir, { perLabel, first }, o, { ...ctx, seed, rng: createRng(seed) }, own);
    total.seconds += own.seconds;
    total.modelEvaluations += own.modelEvaluations;
    const [lo, hi] = chunk.seconds;
    const next = new Map<string, number>();
    for (const s of out) {
      const k = next.get(s.label) ?? first[s.label] ?? 0;
      next.set(s.label, k + 1);
      // The model generated the start in its chunk's own range (the value range's ends are the chunk's ends).
      const [r0, r1] = info.valueRange;
      const x = s.tensor.data[axis.start.index] as number;
      const f = Number.isFinite(x) ? Math.min(1, Math.max(0, (x - r0) / (r1 - r0))) : 0;
      s.tensor.data[axis.start.index] = axis.start.value(lo + f * (hi - lo));
      made.set(`${chunk.index}\n${s.label}\n${k}`, s);
    }
  }
  const result = jobs.flatMap((j) => {
    const s = made.get(`${j.chunk}\n${j.label}\n${j.j}`);
    return s ? [s] : [];
  });
  if (stats) Object.assign(stats, { ...total, images: result.length });
  return result;
};
