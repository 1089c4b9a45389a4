/**
 * A damaged model folder is a MODEL_FILE error naming the file on load (issue 20): model.json
 * without labels, with a string geometry, or disagreeing with itself; a corrupt model.onnx.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNetsynthError } from '@netsynth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDdpmGenerator, FILES, readModelConfig } from '../src/index.js';
import { cleanup, context, tmp, twoClassImages } from './helpers.js';

afterAll(cleanup);

let good: string;
beforeAll(async () => {
  good = tmp();
  await createDdpmGenerator({ channels: 8, groups: 4, batchSize: 8, threads: 1, warmupSteps: 1, steps: 1 }).fit(twoClassImages(8, 1, 8, 8), good, context(1));
}, 120_000);

/** A copy of the trained folder with model.json edited and/or model.onnx replaced. */
function damaged(edit: (cfg: Record<string, unknown>) => void, onnx?: (bytes: Buffer) => Buffer): string {
  const dir = join(tmp(), 'model');
  mkdirSync(dir, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(good, FILES.config), 'utf8')) as Record<string, unknown>;
  edit(cfg);
  writeFileSync(join(dir, FILES.config), JSON.stringify(cfg));
  const bytes = readFileSync(join(good, FILES.onnx));
  if (onnx) writeFileSync(join(dir, FILES.onnx), onnx(bytes));
  else copyFileSync(join(good, FILES.onnx), join(dir, FILES.onnx));
  return dir;
}

async function sampleError(dir: string): Promise<unknown> {
  return createDdpmGenerator({ sampleSteps: 2, threads: 1 })
    .sample(dir, { perLabel: { left: 1 } }, context(1))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

describe('model folder validated on load', () => {
  it.each([
    ['without labels', (c: Record<string, unknown>) => delete c['labels'], /labels/],
    ['with a string geometry', (c: Record<string, unknown>) => (c['geometry'] = '8x8'), /geometry/],
    ['with an unknown schedule', (c: Record<string, unknown>) => (c['schedule'] = { kind: 'quadratic', timesteps: 10 }), /schedule\.kind/],
    ['whose class count disagrees with its labels', (c: Record<string, unknown>) => (c['labels'] = ['left']), /disagree/],
    // Fuzz finds (issue 20): a huge width allocated 141 GB, a network size the geometry does not fill.
    ['with a width of 2^31', (c: Record<string, unknown>) => ((c['geometry'] as Record<string, unknown>)['width'] = 2 ** 31), /geometry disagrees/],
    ['with a network size below the image', (c: Record<string, unknown>) => ((c['geometry'] as Record<string, number[]>)['size'] = [1, 8]), /disagree/],
  ])('model.json %s: MODEL_FILE naming model.json and the key', async (_what, edit, key) => {
    const dir = damaged(edit);
    await expect(readModelConfig(dir)).rejects.toMatchObject({ code: 'MODEL_FILE', file: join(dir, FILES.config) });
    const e = await sampleError(dir);
    expect(isNetsynthError(e) && e.code).toBe('MODEL_FILE');
    expect(String((e as Error).message)).toMatch(key);
  });

  it.each([
    ['truncated', (b: Buffer): Buffer => b.subarray(0, Math.floor(b.length / 3))],
    ['overwritten-with-text', (): Buffer => Buffer.from('not an onnx model')],
  ])('a %s model.onnx: MODEL_FILE naming model.onnx', async (_what, onnx) => {
    const dir = damaged(() => {}, onnx);
    const e = await sampleError(dir);
    expect(isNetsynthError(e) && e.code).toBe('MODEL_FILE');
    expect(isNetsynthError(e) && e.file).toBe(join(dir, FILES.onnx));
  });

  it('a model.json consistent with itself but not with model.onnx: MODEL_FILE naming model.onnx (not INTERNAL)', async () => {
    const dir = damaged((c) => {
      // Every width in model.json doubled: the schema passes, onnxruntime refuses the shapes.
      const g = c['geometry'] as { width: number; size: number[] };
      const spec = c['spec'] as { size: number[] };
      const info = (c['encoder'] as { info: { width: number } }).info;
      g.width = info.width = 2 * g.width;
      g.size = [g.size[0] as number, 2 * (g.size[1] as number)];
      spec.size = [...g.size];
    });
    await expect(readModelConfig(dir)).resolves.toBeDefined();
    const e = await sampleError(dir);
    expect(isNetsynthError(e) && e.code).toBe('MODEL_FILE');
    expect(isNetsynthError(e) && e.file).toBe(join(dir, FILES.onnx));
  });

  it('the intact folder still samples', async () => {
    const out = await createDdpmGenerator({ sampleSteps: 2, threads: 1 }).sample(good, { perLabel: { left: 1 } }, context(1));
    expect(out).toHaveLength(1);
  });
});
