import { join } from 'node:path';
import { createImageTensor, createRng, silentProgress, type PluginContext, type TrainingSet } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import plugin, { StableDiffusion, sdOptionsSchema } from '../src/index.js';
import { tempDir, tinyModel } from './helpers.js';

function twoLabels(h: number, w: number): TrainingSet {
  const tensors = ['a', 'b'].map((_, i) => {
    const t = createImageTensor(3, h, w);
    t.data.fill(i ? 0.5 : -0.5);
    return t;
  });
  return { tensors, labels: ['a', 'b'], encoder: { name: 'test', info: { channels: 3, height: h, width: w, valueRange: [-1, 1], metadata: {} }, state: {} } };
}

describe('execution providers', () => {
  it('every component session falls back to the CPU with a warning, in a worker and in process', async () => {
    const info = await tinyModel();
    for (const worker of [false, true]) {
      const warnings: string[] = [];
      const sd = await StableDiffusion.load(info.dir, { worker, executionProviders: ['no-such-provider', 'cpu'], onWarning: (m) => warnings.push(m) });
      const out = await sd.generate({ prompts: ['type-0'], steps: 2, guidance: 1, scheduler: 'ddim', seed: 1 });
      expect(out.dims).toEqual([1, 3, 64, 64]);
      // text encoder, UNet, VAE decoder (and encoder): each session says it fell back.
      expect(warnings.length).toBeGreaterThanOrEqual(3);
      expect(warnings.every((w) => w.includes('"no-such-provider" is not available'))).toBe(true);
      await sd.dispose();
    }
  });

  it("the generator passes the run's providers to LoRA training and sampling, warning once on the run's progress", async () => {
    const warnings: string[] = [];
    const dir = tempDir('netsynth-sd-ep-');
    const c: PluginContext = {
      seed: 3,
      rng: createRng(3),
      progress: { ...silentProgress, warn: (m) => warnings.push(m) },
      workDir: dir,
      baseDir: dir,
      executionProviders: ['no-such-provider'],
    };
    const gen = await plugin.create(
      sdOptionsSchema.parse({ model: 'tiny', image: { mode: 'resize' }, train: { steps: 1 }, sample: { steps: 2, scheduler: 'ddim' } }),
      c,
    );
    const modelDir = join(dir, 'model');
    await gen.fit(twoLabels(16, 16), modelDir, c);
    const samples = await gen.sample(modelDir, { perLabel: { a: 1 } }, c);
    expect(samples).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('"no-such-provider" is not available'))).toHaveLength(1);
  });
});
