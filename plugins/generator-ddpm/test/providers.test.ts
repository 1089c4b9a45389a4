import { afterAll, describe, expect, it } from 'vitest';
import { silentProgress, type ProgressReporter } from '@netsynth/core';
import { createDdpmGenerator } from '../src/index.js';
import { cleanup, context, tmp, twoClassImages } from './helpers.js';

afterAll(cleanup);

function warningProgress(warnings: string[]): ProgressReporter {
  return { ...silentProgress, warn: (m) => warnings.push(m) };
}

describe('execution providers', () => {
  it("training and sampling fall back to the CPU with a warning when the run's provider is missing", async () => {
    const warnings: string[] = [];
    const ctx = context(1, { progress: warningProgress(warnings), executionProviders: ['no-such-provider', 'cpu'] });
    const g = createDdpmGenerator({ channels: 8, channelMults: [1], steps: 2, batchSize: 4, timesteps: 10, sampleSteps: 2 });
    const dir = tmp();
    await g.fit(twoClassImages(4, 1, 8, 8), dir, ctx);
    const out = await g.sample(dir, { perLabel: { left: 1 } }, ctx);
    expect(out).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('"no-such-provider" is not available'))).toHaveLength(1);
  });

  it("the plugin's own executionProviders option overrides the run's", async () => {
    const warnings: string[] = [];
    const ctx = context(2, { progress: warningProgress(warnings), executionProviders: ['cpu'] });
    const g = createDdpmGenerator({
      channels: 8,
      channelMults: [1],
      steps: 1,
      batchSize: 4,
      timesteps: 10,
      sampleSteps: 2,
      executionProviders: ['also-missing'],
    });
    const dir = tmp();
    await g.fit(twoClassImages(4, 1, 8, 8), dir, ctx);
    await g.sample(dir, { perLabel: { top: 1 } }, ctx);
    expect(warnings.some((w) => w.includes('"also-missing" is not available'))).toBe(true);
  });
});
