import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageTensor, createRng, silentProgress, type GeneratedSample, type PluginContext } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { createFdEvaluator } from '../src/index.js';
import { linearReluOnnxModel } from './onnx-fixture.js';

function images(seed: number, count: number, labels: readonly string[]): GeneratedSample[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => {
    const t = createImageTensor(1, 8, 8);
    for (let j = 0; j < t.data.length; j++) t.data[j] = rng.next() * 2 - 1;
    return { label: labels[i % labels.length] as string, tensor: t };
  });
}

function warningContext(dir: string, warnings: string[]): PluginContext {
  return {
    seed: 1,
    rng: createRng(1),
    progress: { ...silentProgress, warn: (m) => warnings.push(m) },
    workDir: dir,
    baseDir: dir,
    executionProviders: ['no-such-provider', 'cpu'],
  };
}

describe('execution providers', () => {
  it("the trained feature network falls back to the CPU with a warning when the run's provider is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-ep-'));
    const warnings: string[] = [];
    const r = await createFdEvaluator({ cnn: { steps: 2, featureSize: 4, width: 2 }, perClass: false }).evaluate(
      { samples: [], images: images(1, 12, ['a', 'b']) },
      { samples: [], images: images(2, 12, ['a', 'b']) },
      warningContext(dir, warnings),
    );
    expect(r.metrics.find((m) => m.name === 'fd.all')?.value).toBeGreaterThanOrEqual(0);
    expect(warnings.filter((w) => w.includes('"no-such-provider" is not available'))).toHaveLength(1);
  });

  it('a user ONNX extractor falls back the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-ep-'));
    writeFileSync(
      join(dir, 'tiny.onnx'),
      linearReluOnnxModel(
        1,
        8,
        8,
        Float32Array.from({ length: 64 * 3 }, (_, i) => ((i % 5) - 2) / 10),
        3,
      ),
    );
    const warnings: string[] = [];
    const r = await createFdEvaluator({ features: { onnx: 'tiny.onnx' }, perClass: false }).evaluate(
      { samples: [], images: images(1, 10, ['a']) },
      { samples: [], images: images(2, 10, ['a']) },
      warningContext(dir, warnings),
    );
    expect(r.metrics.find((m) => m.name === 'fd.all')?.value).toBeGreaterThanOrEqual(0);
    expect(warnings.some((w) => w.includes('"no-such-provider" is not available'))).toBe(true);
  });
});
