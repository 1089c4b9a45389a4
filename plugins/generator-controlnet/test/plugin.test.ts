import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, isPluginDefinition, parsePluginOptions, silentProgress, type PluginContext } from '@netsynth/core';
import { StableDiffusion, isUNetResidualExtension } from '@netsynth/generator-stable-diffusion';
import plugin, { ControlNetExtension } from '../src/index.js';
import { makeTinyPair, type TinyPair } from './helpers.js';
import { ONEHOT_INFO, nprintReference } from './sampler-helpers.js';

let pair: TinyPair;
beforeAll(async () => {
  pair = await makeTinyPair();
});
afterAll(() => pair?.cleanup());

function ctx(workDir: string): PluginContext {
  return { seed: 3, rng: createRng(3), progress: silentProgress, workDir, baseDir: pair.root };
}

describe('the plugin', () => {
  it('is an extension with role controlnet that the SD generator accepts', async () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('extension');
    expect(plugin.name).toBe('@netsynth/generator-controlnet');
    const ext = await plugin.create(parsePluginOptions(plugin, {}, 'generator.extensions.0.options'), ctx(pair.root));
    expect(ext).toBeInstanceOf(ControlNetExtension);
    expect(ext.role).toBe('controlnet');
    expect(isUNetResidualExtension(ext)).toBe(true);
  });

  it('reports bad options with their config path', () => {
    expect(() => parsePluginOptions(plugin, { control: 'depth' }, 'generator.extensions.0.options')).toThrow(/generator\.extensions\.0\.options\.control/);
    expect(() => parsePluginOptions(plugin, { guidanceStart: 0.9, guidanceEnd: 0.1 }, 'generator.extensions.0.options')).toThrow(/guidanceStart/);
    expect(() => parsePluginOptions(plugin, { model: 'x.onnx', tiny: {} }, 'generator.extensions.0.options')).toThrow(/tiny/);
  });

  it('a missing ControlNet file is a ModelFileError naming the path', async () => {
    const ext = await plugin.create(parsePluginOptions(plugin, { model: 'nope/model.onnx' }, 'x'), ctx(pair.root));
    const sd = await StableDiffusion.load(pair.sdDir);
    await expect(
      sd.generate({
        prompts: ['a'],
        steps: 2,
        guidance: 1,
        scheduler: 'ddim',
        seed: 1,
        extensions: [ext as ControlNetExtension],
        context: { labels: ['a'], references: [[nprintReference(32, 16)]], encoderInfo: ONEHOT_INFO },
      }),
    ).rejects.toThrow(/nope\/model\.onnx/);
    await sd.dispose();
  });

  it('with `tiny`, builds a ControlNet matched to the tiny SD folder into its work folder once, and steers with it', async () => {
    const work = join(pair.root, 'work-ext');
    const make = async () => (await plugin.create(parsePluginOptions(plugin, { tiny: { seed: 2, perturb: 0.05 } }, 'x'), ctx(work))) as ControlNetExtension;
    const sd = await StableDiffusion.load(pair.sdDir);
    const run = async (ext?: ControlNetExtension) =>
      sd.generate({
        prompts: ['a'],
        steps: 3,
        guidance: 2,
        scheduler: 'ddim',
        seed: 1,
        ...(ext && { extensions: [ext] }),
        context: { labels: ['a'], references: [[nprintReference(32, 16)]], encoderInfo: ONEHOT_INFO },
      });
    const a = await run(await make());
    const dirs = readdirSync(work).filter((d) => d.startsWith('tiny-controlnet-'));
    expect(dirs).toHaveLength(1);
    const file = join(work, dirs[0] as string, 'model.onnx');
    const mtime = statSync(file).mtimeMs;
    const b = await run(await make());
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const none = await run();
    expect(Array.from(a.data)).not.toEqual(Array.from(none.data));
    await sd.dispose();
  });
});
