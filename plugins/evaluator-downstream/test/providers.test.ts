import { createRng, silentProgress, type PluginContext } from '@netsynth/core';
import { toyTraffic } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import { createDownstreamEvaluator } from '../src/index.js';

describe('execution providers', () => {
  it("the MLP's training session falls back to the CPU with a warning when the run's provider is missing", async () => {
    const warnings: string[] = [];
    const ctx: PluginContext = {
      seed: 1,
      rng: createRng(1),
      progress: { ...silentProgress, warn: (m) => warnings.push(m) },
      workDir: '.',
      baseDir: '.',
      executionProviders: ['no-such-provider', 'cpu'],
    };
    const r = await createDownstreamEvaluator({ classifiers: ['mlp'], mixRatios: [], mlp: { steps: 5, hidden: [8] } }).evaluate(
      { samples: toyTraffic(1, 12, 'real') },
      { samples: toyTraffic(2, 12, 'syn') },
      ctx,
    );
    expect(r.metrics.some((m) => m.name.includes('mlp') && m.value !== null)).toBe(true);
    expect(warnings.filter((w) => w.includes('"no-such-provider" is not available'))).toHaveLength(1);
  });
});
