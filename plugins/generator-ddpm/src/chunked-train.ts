/**
 * Time-chunked training (NetShare): the first chunk's model is trained with the options' steps,
 * each later chunk's is a copy fine-tuned from the first one's weights with fewer steps. Every
 * chunk is an ordinary model folder (`chunk-K/`, own checkpoint, so a killed run resumes in the
 * chunk it stopped in and finished chunks are kept); `chunks.json` beside them says how the time
 * range was split and which chunk makes how many samples of each label.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createRng,
  deriveSeed,
  InvalidArgumentError,
  LOSS_HISTORY_FILE,
  writeFileAtomic,
  type ImageTensor,
  type PluginContext,
  type TrainingSet,
} from '@netsynth/core';
import { CONTINUES, planChunks, type Chunk } from './chunks.js';
import { FILES, modelFile, readModelConfig } from './model-dir.js';
import type { DdpmOptions } from './options.js';
import { readTimeAxis, type TimeAxis } from './time-axis.js';
import { fitDdpm, totalSteps, type DdpmFit } from './train.js';

export const CHUNKS_FORMAT = 'netsynth-ddpm-chunks-1';

/** chunks.json: what sampling needs to spread samples over the chunks' models and time ranges. */
export interface ChunksFile {
  format: typeof CHUNKS_FORMAT;
  count: number;
  chunks: {
    index: number;
    /** The chunk's model folder, relative to this file's; null when no sample starts in the chunk. */
    dir: string | null;
    seconds: [number, number];
    starts: Record<string, number>;
    continuing: number;
    steps: number;
    trainingKey: string | null;
  }[];
}

export const chunkDir = (k: number): string => `chunk-${k}`;

/** The seed of chunk k's training or sampling (chunks never share noise streams). */
export const chunkSeed = (seed: number, k: number): number => deriveSeed(seed, `ddpm:chunk:${k}`);

/** A chunk's training set: its members' tensors with the start rescaled to the chunk's own range (NetShare normalises time per chunk), continuing flows tagged. */
function chunkSet(data: TrainingSet, axis: TimeAxis, chunk: Chunk, tags: boolean): TrainingSet {
  const [lo, hi] = chunk.seconds;
  const idx = axis.start.index;
  const [v0, v1] = data.encoder.info.valueRange;
  const tensors: ImageTensor[] = [];
  const labels: string[] = [];
  for (const m of chunk.members) {
    const t = data.tensors[m.sample] as ImageTensor;
    const copy = new Float32Array(t.data);
    const s = axis.start.seconds(t.data[idx] as number);
    // A continuing flow is present from the chunk's start on.
    const f = m.continues || !(hi > lo) ? 0 : Math.min(1, Math.max(0, (s - lo) / (hi - lo)));
    copy[idx] = v0 + f * (v1 - v0);
    tensors.push({ ...t, data: copy });
    labels.push(tags && m.continues ? `${data.labels[m.sample]}${CONTINUES}` : (data.labels[m.sample] as string));
  }
  return { tensors, labels, encoder: data.encoder };
}

/** Each sample's start and end (seconds), read through the encoder's time axis. */
function spans(data: TrainingSet, axis: TimeAxis): { starts: number[]; ends: number[] | undefined } {
  const starts = data.tensors.map((t) => axis.start.seconds(t.data[axis.start.index] as number));
  const d = axis.duration;
  const ends = d && starts.map((s, i) => s + Math.max(0, d.seconds((data.tensors[i] as ImageTensor).data[d.index] as number)));
  return { starts, ends };
}

/** Removes what a fit of the other kind (one model / chunks) left in the folder, so sampling cannot read it. */
export async function clearOtherKind(modelDir: string, chunked: boolean): Promise<void> {
  const names = chunked ? [FILES.onnx, FILES.config, FILES.checkpoint] : [FILES.chunks];
  await Promise.all(names.map((n) => rm(join(modelDir, n), { force: true })));
}

/** Concatenated loss histories of the chunks (steps counted on), for the report's curve. */
async function saveLossHistory(modelDir: string, dirs: string[]): Promise<void> {
  const points: { step: number; loss: number }[] = [];
  let offset = 0;
  for (const d of dirs) {
    const text = await readFile(join(modelDir, d, LOSS_HISTORY_FILE), 'utf8').catch(() => undefined);
    const own = text ? ((JSON.parse(text) as { points?: { step: number; loss: number }[] }).points ?? []) : [];
    for (const p of own) points.push({ step: p.step + offset, loss: p.loss });
    offset += own.at(-1)?.step ?? 0;
  }
  await writeFileAtomic(join(modelDir, LOSS_HISTORY_FILE), `${JSON.stringify({ format: 'netsynth-loss-history/1', points })}\n`, { force: true });
}

/** The chunks of a training set: their plan, the label list every chunk's model uses, and each chunk's training set (undefined when no sample starts in it). */
export function chunkTrainingSets(data: TrainingSet, o: DdpmOptions): { chunks: Chunk[]; labels: string[]; sets: (TrainingSet | undefined)[] } {
  const { count, flowTags } = o.timeChunks;
  const axis = readTimeAxis(data.encoder.info);
  if (!axis) {
    throw new InvalidArgumentError(
      `generator.options.timeChunks: the encoder ${data.encoder.name} declares no time axis (metadata.timeAxis), so samples cannot be split by time`,
    );
  }
  const { starts, ends } = spans(data, axis);
  const chunks = planChunks(starts, data.labels, count, ends, flowTags);
  const base = [...new Set(data.labels)].sort();
  // One label list for every chunk, so the fine-tuned copies keep the first one's label embedding.
  const labels = flowTags && count > 1 ? [...base, ...base.map((l) => `${l}${CONTINUES}`)].sort() : base;
  const sets = chunks.map((c) => (c.members.some((m) => !m.continues) ? chunkSet(data, axis, c, flowTags) : undefined));
  return { chunks, labels, sets };
}

export async function fitChunked(data: TrainingSet, modelDir: string, o: DdpmOptions, ctx: PluginContext): Promise<DdpmFit> {
  const { count } = o.timeChunks;
  if (o.privacy)
    throw new InvalidArgumentError('generator.options.timeChunks with privacy: DP-SGD accounting over fine-tuned chunks is not implemented; use one of them');
  const { chunks, labels, sets } = chunkTrainingSets(data, o);
  await mkdir(modelDir, { recursive: true });
  await clearOtherKind(modelDir, true);
  const firstSteps = totalSteps(o, chunks[0]?.members.length ?? 1);
  const { epochs: _e, ...fixed } = o;
  const tuneSteps = o.timeChunks.fineTuneSteps ?? Math.max(1, Math.ceil(firstSteps / 4));
  // The copies start from trained weights: a warm-up as long as a fresh model's would spend the short fine-tuning at a low rate.
  const tune: DdpmOptions = { ...fixed, steps: tuneSteps, warmupSteps: Math.min(o.warmupSteps, Math.ceil(tuneSteps / 10)) };
  const results: (DdpmFit | undefined)[] = [];
  const entries: ChunksFile['chunks'] = [];
  let resumedFromStep: number | undefined;
  let reusedBefore = false;
  let stepsBefore = 0;
  for (const chunk of chunks) {
    const k = chunk.index;
    const own = chunk.members.filter((m) => !m.continues).length;
    const continuing = chunk.members.length - own;
    const set = sets[k];
    const dir = set ? chunkDir(k) : null;
    let r: DdpmFit | undefined;
    if (set && dir) {
      ctx.progress.log(
        `time chunk ${k + 1}/${count}: ${own} samples starting in it${continuing ? ` + ${continuing} continuing` : ''}${k ? `, fine-tuned from ${chunkDir(0)}` : ''}`,
      );
      const seed = chunkSeed(ctx.seed, k);
      r = await fitDdpm(
        set,
        join(modelDir, dir),
        k === 0 ? o : tune,
        { ...ctx, seed, rng: createRng(seed) },
        {
          labels,
          ...(k > 0 && { warm: { dir: join(modelDir, chunkDir(0)), from: `../${chunkDir(0)}` } }),
        },
      );
      // Resumed: this chunk from its checkpoint, or a fresh chunk after finished ones (a run killed between chunks).
      if (resumedFromStep === undefined && !r.reused && (r.resumedFromStep !== undefined || reusedBefore))
        resumedFromStep = stepsBefore + (r.resumedFromStep ?? 0);
      reusedBefore ||= r.reused === true;
      stepsBefore += r.steps;
    }
    results.push(r);
    const key = dir ? (await readModelConfig(join(modelDir, dir))).trainingKey : null;
    entries.push({ index: k, dir, seconds: chunk.seconds, starts: chunk.starts, continuing, steps: r?.steps ?? 0, trainingKey: key });
  }
  const file: ChunksFile = { format: CHUNKS_FORMAT, count, chunks: entries };
  await saveLossHistory(
    modelDir,
    entries.flatMap((e) => (e.dir ? [e.dir] : [])),
  );
  await writeFileAtomic(modelFile(modelDir, 'chunks'), `${JSON.stringify(file, null, 2)}\n`, { force: true });
  const losses = results.flatMap((r) => (r?.finalLoss === undefined ? [] : [r.finalLoss]));
  return {
    modelDir,
    steps: stepsBefore,
    ...(losses.length && { finalLoss: losses.reduce((a, b) => a + b, 0) / losses.length }),
    ...(resumedFromStep !== undefined && { resumedFromStep }),
  };
}
