import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, parsePluginOptions, silentProgress, type PluginContext } from '@netsynth/core';
import { StableDiffusion } from '@netsynth/generator-stable-diffusion';
import plugin, { ControlNetExtension, ControlNetModel } from '../src/index.js';
import { makeTinyPair, type TinyPair } from './helpers.js';
import { ONEHOT_INFO, nprintReference } from './sampler-helpers.js';

let pair: TinyPair;
beforeAll(async () => {
  pair = await makeTinyPair();
});
afterAll(() => pair?.cleanup());

describe('execution providers', () => {
  it('the ControlNet session falls back to the CPU with a warning when a provider is missing', async () => {
    const warnings: string[] = [];
    const m = await ControlNetModel.load(pair.controlnet.path, { executionProviders: ['no-such-provider'], onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"no-such-provider" is not available/);
    await m.dispose();
  });

  it("the extension takes the run's providers and warns on the sampling progress", async () => {
    const warnings: string[] = [];
    const progress = { ...silentProgress, warn: (w: string) => warnings.push(w) };
    const ctx: PluginContext = {
      seed: 3,
      rng: createRng(3),
      progress,
      workDir: join(pair.root, 'ep'),
      baseDir: pair.root,
      executionProviders: ['no-such-provider', 'cpu'],
    };
    const ext = (await plugin.create(parsePluginOptions(plugin, { model: pair.controlnet.path }, 'x'), ctx)) as ControlNetExtension;
    const sd = await StableDiffusion.load(pair.sdDir);
    const out = await sd.generate({
      prompts: ['a'],
      steps: 2,
      guidance: 1,
      scheduler: 'ddim',
      seed: 1,
      progress,
      extensions: [ext],
      context: { labels: ['a'], references: [[nprintReference(32, 16)]], encoderInfo: ONEHOT_INFO },
    });
    expect(out.dims[0]).toBe(1);
    expect(warnings.some((w) => w.includes('"no-such-provider" is not available'))).toBe(true);
    await sd.dispose();
  });
});
