import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTensorFile, runPipeline } from '../src/index.js';
import { FAKE_RUN_CONFIG, fakeRunOptions as opts } from './fixtures/fake-plugins.js';
import { cleanupTmp, tmp, writeFiles, writeTinyCaptures } from './helpers.js';

let dir: string;

// web made the rarer class (3 of its 6 flows kept): 2 training flows against bulk's 4.
const MIX_CONFIG = FAKE_RUN_CONFIG.replace('minPackets: 2 }', 'minPackets: 2, maxSamplesPerLabel: { web: 3 } }').replace(
  'samplesPerLabel: 3',
  'samplesPerLabel: { mix: capture, min: 3 }',
);

beforeAll(async () => {
  dir = tmp();
  await writeTinyCaptures(dir);
  writeFiles(dir, { 'mix.yaml': MIX_CONFIG });
});
afterAll(cleanupTmp);

describe('netsynth run with samplesPerLabel at the capture class mix', () => {
  it('samples each label in proportion to its real training flows, scaled until each reaches the minimum', async () => {
    const result = await runPipeline(join(dir, 'mix.yaml'), opts({ outDir: join(dir, 'out'), until: 'sample' }));
    const generated = await readTensorFile(join(result.outDir, 'generated/samples.safetensors'));
    const count = (label: string): number => generated.labels.filter((l) => l === label).length;
    // 4 : 2 real training flows; web's minimum of 3 sets the multiple (1.5).
    expect([count('bulk'), count('web')]).toEqual([6, 3]);
    const sample = result.stages.find((s) => s.name === 'sample');
    expect(sample?.summary).toContain("at the capture's class mix (1.50 per real training flow)");
  });
});
