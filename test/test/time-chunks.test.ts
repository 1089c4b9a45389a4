import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, REPO_ROOT, netsynth } from '../src/env.js';

/**
 * NetShare's time chunks end to end on the demo records (examples/data/netflow/demo.csv, made
 * with `netsynth export` from the demo captures; its classes were recorded one after another,
 * so the chunks hold different classes): 3 chunks, the later ones fine-tuned from the first,
 * every synthetic record starting inside a chunk where its class has real starts.
 */
const out = mkdtempSync(join(tmpdir(), 'netsynth-chunks-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Generous: runs beside every other test file in `pnpm test` (2 cores). */
const HEAVY = 480_000;

interface ChunksFile {
  count: number;
  chunks: { index: number; dir: string | null; seconds: [number, number]; starts: Record<string, number>; continuing: number }[];
}

describe.skipIf(!HAVE_CLI)('time chunks on NetFlow records', () => {
  it(
    'trains 3 chunks (the later fine-tuned from the first) and writes each class’s records inside its chunks’ time ranges',
    async () => {
      // What is checked is the chunk plan, the warm starts and where records land (the time
      // axis clips each sample into its chunk), not what the model learns: a small, short
      // training, and no evaluators (their metrics are not asserted here).
      const sets = [
        'generator.options.steps=30',
        'generator.options.channels=8',
        'generator.options.batchSize=16',
        'generator.options.sampleSteps=5',
        'generator.options.timeChunks.count=3',
        'generator.options.timeChunks.fineTuneSteps=10',
        'generator.samplesPerLabel=8',
        'evaluators=[]',
      ];
      const run = await netsynth(['run', join(REPO_ROOT, 'examples', 'netshare-records.yaml'), '--out', out, '--json', ...sets.flatMap((s) => ['--set', s])]);
      expect(run.code, run.stderr).toBe(0);
      const plan = JSON.parse(readFileSync(join(out, 'model', 'chunks.json'), 'utf8')) as ChunksFile;
      expect(plan.count).toBe(3);
      const model = (k: number): { trainingKey: string; warmStart: { from: string; trainingKey: string } | null; training: { steps: number } } =>
        JSON.parse(readFileSync(join(out, 'model', `chunk-${k}`, 'model.json'), 'utf8'));
      expect(model(0).warmStart).toBeNull();
      expect(model(0).training.steps).toBe(30);
      for (const k of [1, 2]) {
        expect(model(k).warmStart).toEqual({ from: '../chunk-0', trainingKey: model(0).trainingKey });
        expect(model(k).training.steps).toBe(10);
      }
      // The train stage's record counts every chunk's steps, and its outputs hold every chunk's model.
      const train = JSON.parse(readFileSync(join(out, 'stages', 'train.done.json'), 'utf8')) as { details: { steps: number }; files: { path: string }[] };
      expect(train.details.steps).toBe(50);
      for (const k of [0, 1, 2]) expect(train.files.map((f) => f.path)).toContain(`model/chunk-${k}/model.onnx`);

      const [header, ...rows] = readFileSync(join(out, 'synthetic.csv'), 'utf8').trimEnd().split('\n');
      expect(header).toBe(readFileSync(join(REPO_ROOT, 'examples', 'data', 'netflow', 'demo.csv'), 'utf8').split('\n')[0]);
      const cols = header!.split(',');
      const ts = cols.indexOf('ts');
      const type = cols.indexOf('type');
      expect(rows).toHaveLength(5 * 8);
      const eps = 2e-6; // ts is written in whole microseconds
      for (const row of rows) {
        const v = row.split(',');
        const label = v[type]!;
        const seconds = Number(v[ts]) / 1e6;
        const own = plan.chunks.filter((c) => (c.starts[label] ?? 0) > 0);
        expect(own.length, label).toBeGreaterThan(0);
        const inside = own.some((c) => seconds >= c.seconds[0] - eps && seconds <= c.seconds[1] + eps);
        expect(inside, `${label} at ${seconds} outside ${JSON.stringify(own.map((c) => c.seconds))}`).toBe(true);
      }
      // The demo's classes were recorded one after another: some class has no real start in some chunk,
      // so the check above excludes ranges (it is not vacuous).
      expect(plan.chunks.some((c) => Object.keys(c.starts).length < 5)).toBe(true);
    },
    HEAVY,
  );
});
