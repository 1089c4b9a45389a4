import { parseRunConfig } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { PluginLoader } from '../src/plugin-loader.js';
import { evaluatorSeeds } from '../src/pipeline/evaluator-seeds.js';
import { resolvePlugins } from '../src/pipeline/resolve-plugins.js';
import { ALL_FAKES } from './fixtures/fake-plugins.js';

describe('evaluatorSeeds', () => {
  it("keeps an evaluator's seed when other evaluators are added, removed or reordered", () => {
    const [alone] = evaluatorSeeds(7, ['@netsynth/evaluator-downstream']);
    const many = evaluatorSeeds(7, ['@netsynth/evaluator-distribution', '@netsynth/evaluator-validity', '@netsynth/evaluator-downstream']);
    expect(many[2]).toBe(alone);
    expect(evaluatorSeeds(7, ['@netsynth/evaluator-downstream', '@netsynth/evaluator-fd'])[0]).toBe(alone);
    expect(evaluatorSeeds(8, ['@netsynth/evaluator-downstream'])[0]).not.toBe(alone);
  });

  it('gives a second entry of one plugin a seed of its own', () => {
    const [a, b, c] = evaluatorSeeds(7, ['x', 'y', 'x']);
    expect(a).not.toBe(c);
    expect(evaluatorSeeds(7, ['x', 'x'])).toEqual([a, c]);
    expect(b).toBe(evaluatorSeeds(7, ['y'])[0]);
  });

  it("seeds a run's evaluator the same whatever other evaluators the config lists", async () => {
    const seedsOf = async (plugins: string[]): Promise<Record<string, number>> => {
      const raw = { input: { captures: ['captures'] }, evaluators: plugins.map((plugin) => ({ plugin })) };
      const resolved = await resolvePlugins(parseRunConfig(raw), raw, new PluginLoader({ baseDir: '.', preloaded: ALL_FAKES }), 11);
      return Object.fromEntries(resolved.evaluators.map((u) => [u.configPath, u.seed]));
    };
    const alone = await seedsOf(['test/count']);
    const after = await seedsOf(['@netsynth/evaluator-validity', 'test/count']);
    expect(after['evaluators.1']).toBe(alone['evaluators.0']);
    expect(after['evaluators.0']).not.toBe(alone['evaluators.0']);
  });
});
