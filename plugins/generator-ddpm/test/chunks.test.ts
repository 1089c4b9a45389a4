import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, type ImageTensor, type TrainingSet } from '@netsynth/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONTINUES,
  FILES,
  chunkSeed,
  chunkSequence,
  chunkTrainingSets,
  ddpmOptionsSchema,
  fitDdpm,
  createDdpmGenerator,
  planChunks,
  readModelConfig,
  readTimeAxis,
  type ChunksFile,
  type DdpmOptionsInput,
} from '../src/index.js';
import { cleanup, context, tickingProgress, tmp } from './helpers.js';

afterAll(cleanup);

describe('time chunks: assignment and flow tags', () => {
  it('splits the start times into equal intervals, the latest start in the last chunk', () => {
    const starts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const labels = starts.map((s) => (s % 2 ? 'odd' : 'even'));
    const chunks = planChunks(starts, labels, 3);
    expect(chunks.map((c) => c.seconds)).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
    ]);
    expect(chunks.map((c) => c.members.map((m) => m.sample))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
    expect(chunks.map((c) => c.starts)).toEqual([
      { even: 2, odd: 1 },
      { even: 1, odd: 2 },
      { even: 2, odd: 2 },
    ]);
  });

  it('tags a flow that is still running when a later chunk begins as continuing in that chunk, and only then', () => {
    const starts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ends = starts.map((s) => s + 0.5);
    ends[1] = 7; // runs through chunk 1 (from 3) into chunk 2 (from 6)
    ends[4] = 5.5; // ends inside its own chunk
    ends[5] = 6.5; // reaches into chunk 2
    const chunks = planChunks(
      starts,
      starts.map(() => 'x'),
      3,
      ends,
    );
    const tagged = chunks.map((c) => c.members.filter((m) => m.continues).map((m) => m.sample));
    expect(tagged).toEqual([[], [1], [1, 5]]);
    // The starts (sampling's weights) count only the flows that start in the chunk.
    expect(chunks.map((c) => c.starts['x'])).toEqual([3, 3, 4]);
    expect(
      planChunks(
        starts,
        starts.map(() => 'x'),
        3,
        ends,
        false,
      ).flatMap((c) => c.members.filter((m) => m.continues)),
    ).toEqual([]);
  });

  it('spreads samples over the chunks in proportion at every prefix, sample k the same chunk whatever the count', () => {
    const weights = [5, 0, 2, 3];
    const long = chunkSequence(weights, 200);
    expect(chunkSequence(weights, 37)).toEqual(long.slice(0, 37));
    for (let n = 1; n <= 200; n++) {
      const prefix = long.slice(0, n);
      weights.forEach((w, c) => {
        const got = prefix.filter((x) => x === c).length;
        expect(Math.abs(got - (n * w) / 10)).toBeLessThan(1);
      });
    }
    expect(chunkSequence([0, 0], 5)).toEqual([]);
  });

  it('reads an encoder’s time axis: start linear, duration log1p, malformed refused', () => {
    const info = {
      channels: 1,
      height: 1,
      width: 4,
      valueRange: [-1, 1] as [number, number],
      metadata: { timeAxis: { start: { index: 0, seconds: [100, 200] }, duration: { index: 1, seconds: [0, 60], scale: 'log1p' } } },
    };
    const axis = readTimeAxis(info)!;
    expect(axis.start.seconds(-1)).toBe(100);
    expect(axis.start.seconds(0)).toBe(150);
    expect(axis.start.value(175)).toBeCloseTo(0.5, 12);
    expect(axis.duration!.seconds(axis.duration!.value(7))).toBeCloseTo(7, 9);
    expect(axis.duration!.value(Math.expm1(Math.log1p(60) / 2))).toBeCloseTo(0, 9);
    expect(readTimeAxis({ ...info, metadata: {} })).toBeUndefined();
    expect(() => readTimeAxis({ ...info, metadata: { timeAxis: { start: { index: 9, seconds: [0, 1] } } } })).toThrow(/past its 4 values/);
    expect(() => readTimeAxis({ ...info, metadata: { timeAxis: { start: { index: 0 } } } })).toThrow(/malformed/);
  });
});

// Records-like series: value 0 the start (linear over 90 s), 1 the duration (log1p over 60 s),
// the rest a class ramp. Every fourth flow lasts 40 s, so it runs into later chunks.
const T0 = 1_000;
const AXIS = { start: { index: 0, seconds: [T0, T0 + 90] }, duration: { index: 1, seconds: [0, 60], scale: 'log1p' } };
function timedSeries(n: number, length = 16): TrainingSet {
  const rng = createRng(7);
  const info = { channels: 1, height: 1, width: length, valueRange: [-1, 1] as [number, number], metadata: { timeAxis: AXIS } };
  const axis = readTimeAxis(info)!;
  const tensors: ImageTensor[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const up = i % 2 === 1;
    const data = new Float32Array(length);
    for (let x = 2; x < length; x++) data[x] = Math.max(-1, Math.min(1, (up ? 1 : -1) * (-1 + (2 * x) / (length - 1)) + 0.05 * rng.normal()));
    data[0] = axis.start.value(T0 + (90 * i) / (n - 1));
    data[1] = axis.duration!.value(i % 4 === 0 ? 40 : 0.5);
    tensors.push({ data, channels: 1, height: 1, width: length });
    labels.push(up ? 'up' : 'down');
  }
  return { tensors, labels, encoder: { name: 'test/timed', info, state: null } };
}

describe('time chunks: training, lineage, sampling and resume', () => {
  const data = timedSeries(48);
  const opts: DdpmOptionsInput = {
    dims: 1,
    channels: 8,
    groups: 4,
    batchSize: 8,
    threads: 1,
    warmupSteps: 5,
    steps: 40,
    timesteps: 100,
    sampleSteps: 5,
    timeChunks: { count: 3, fineTuneSteps: 10 },
  };
  const bytes = (t: ImageTensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const files = async (dir: string): Promise<Buffer[]> =>
    Promise.all([FILES.chunks, ...[0, 1, 2].flatMap((k) => [`chunk-${k}/${FILES.onnx}`, `chunk-${k}/${FILES.checkpoint}`])].map((f) => readFile(join(dir, f))));

  // Heavy for a unit test (tens of seconds on 2 shared cores): explicit limits above the package's 60 s.
  it('trains the first chunk, fine-tunes the others from its weights, and samples each share inside its chunk', { timeout: 300_000 }, async () => {
    const dir = tmp();
    const r = await createDdpmGenerator(opts).fit(data, dir, context(3));
    expect(r.steps).toBe(40 + 10 + 10);
    const chunks = JSON.parse(await readFile(join(dir, FILES.chunks), 'utf8')) as ChunksFile;
    expect(chunks.chunks.map((c) => c.dir)).toEqual(['chunk-0', 'chunk-1', 'chunk-2']);
    expect(chunks.chunks.reduce((a, c) => a + (c.starts['up'] ?? 0) + (c.starts['down'] ?? 0), 0)).toBe(48);
    expect(chunks.chunks.map((c) => c.continuing)).toEqual([0, expect.any(Number), expect.any(Number)]);
    expect(chunks.chunks[1]!.continuing).toBeGreaterThan(0);

    // Lineage: each later chunk records the first chunk's training key as its start.
    const [c0, c1, c2] = await Promise.all([0, 1, 2].map((k) => readModelConfig(join(dir, `chunk-${k}`))));
    expect(c0!.warmStart).toBeNull();
    expect(c1!.warmStart).toEqual({ from: '../chunk-0', trainingKey: c0!.trainingKey });
    expect(c2!.warmStart?.trainingKey).toBe(c0!.trainingKey);
    expect(c1!.labels).toEqual(['down', `down${CONTINUES}`, 'up', `up${CONTINUES}`]);
    // Starting from the first chunk's weights shows in the first step's loss: the same batch, timesteps
    // and noise (same chunk data and seed) from fresh weights lose more.
    const firstLoss = async (d: string): Promise<number> =>
      (JSON.parse(await readFile(join(d, 'loss-history.json'), 'utf8')) as { points: { loss: number }[] }).points[0]!.loss;
    const parsed = ddpmOptionsSchema.parse(opts);
    const { labels, sets } = chunkTrainingSets(data, parsed);
    for (const k of [1, 2]) {
      const scratch = tmp();
      await fitDdpm(sets[k]!, scratch, { ...parsed, steps: 1 }, context(chunkSeed(3, k)), { labels });
      expect(await firstLoss(join(dir, `chunk-${k}`))).toBeLessThan(0.8 * (await firstLoss(scratch)));
    }
    const curve = JSON.parse(await readFile(join(dir, 'loss-history.json'), 'utf8')) as { points: { step: number }[] };
    expect(curve.points.at(-1)!.step).toBe(60);

    const g = createDdpmGenerator(opts);
    const out = await g.sample(dir, { perLabel: { up: 30, down: 12 } }, context(9));
    expect(out.map((s) => s.label)).toEqual([...Array(30).fill('up'), ...Array(12).fill('down')]);
    const axis = readTimeAxis(data.encoder.info)!;
    const eps = 1e-4;
    for (const label of ['up', 'down']) {
      const mine = out.filter((s) => s.label === label);
      const seq = chunkSequence(
        chunks.chunks.map((c) => c.starts[label] ?? 0),
        mine.length,
      );
      mine.forEach((s, k) => {
        const t = axis.start.seconds(s.tensor.data[0] as number);
        const [lo, hi] = chunks.chunks[seq[k]!]!.seconds;
        expect(t, `${label}#${k}`).toBeGreaterThanOrEqual(lo - eps);
        expect(t, `${label}#${k}`).toBeLessThanOrEqual(hi + eps);
      });
      // Every chunk makes some of a label that starts in every chunk.
      expect(new Set(seq).size).toBe(3);
    }
    // Indexed sampling holds across chunks: samples 20…29 of "up" alone are the same bytes.
    const part = await g.sample(dir, { perLabel: { up: 10 }, first: { up: 20 } }, context(9));
    part.forEach((s, i) => expect(bytes(s.tensor).equals(bytes(out[20 + i]!.tensor))).toBe(true));
  });

  it('resumes a run killed between chunks (and one killed inside a chunk) to the same bytes', { timeout: 300_000 }, async () => {
    // Shorter trainings: this test is about bytes, not quality.
    const short: DdpmOptionsInput = { ...opts, steps: 12, timeChunks: { count: 3, fineTuneSteps: 4 } };
    const full = tmp();
    await createDdpmGenerator(short).fit(data, full, context(3));

    const split = tmp();
    const ac = new AbortController();
    // Tick 12 is the first chunk's last step: the stop lands between chunks.
    const killed = context(3, { signal: ac.signal, progress: tickingProgress((n) => n === 12 && ac.abort()) });
    await expect(createDdpmGenerator(short).fit(data, split, killed)).rejects.toMatchObject({ code: 'INTERRUPTED' });
    let ticks = 0;
    const r = await createDdpmGenerator(short).fit(data, split, context(3, { progress: tickingProgress((n) => (ticks = n)) }));
    expect(r.resumedFromStep).toBe(12);
    expect(ticks).toBe(8); // the finished first chunk was kept, not trained again
    const [a, b] = await Promise.all([files(full), files(split)]);
    a.forEach((f, i) => expect(b[i]!.equals(f), `file ${i}`).toBe(true));

    // Killed inside chunk 2 (its step 3): that chunk resumes from its checkpoint.
    await rm(join(split, 'chunk-2'), { recursive: true });
    await rm(join(split, FILES.chunks));
    const ac2 = new AbortController();
    const inside = context(3, { signal: ac2.signal, progress: tickingProgress((n) => n === 3 && ac2.abort()) });
    await expect(createDdpmGenerator({ ...short, checkpointEvery: 1 }).fit(data, split, inside)).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const r2 = await createDdpmGenerator(short).fit(data, split, context(3));
    expect(r2.resumedFromStep).toBe(16 + 3);
    const c = await files(split);
    a.forEach((f, i) => expect(c[i]!.equals(f), `file ${i}`).toBe(true));
  });

  it('refuses time chunks without a time axis, and with DP-SGD', async () => {
    const bare: TrainingSet = { ...data, encoder: { ...data.encoder, info: { ...data.encoder.info, metadata: {} } } };
    await expect(createDdpmGenerator(opts).fit(bare, tmp(), context(1))).rejects.toThrow(/declares no time axis/);
    await expect(createDdpmGenerator({ ...opts, privacy: { epsilon: 5 } }).fit(data, tmp(), context(1))).rejects.toThrow(/privacy/);
  });
});
