import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SD15_UNET, decodeModel, graphMacs, loadConstants, sdUNetMacs } from '../src/index.js';
import { tinyModel } from './helpers.js';

describe('UNet MAC count (for the CPU-time estimate)', () => {
  it('the analytic SD-layout count equals the count on the tiny UNet graph', async () => {
    const info = await tinyModel();
    const path = join(info.dir, 'unet', 'model.onnx');
    const model = decodeModel(readFileSync(path));
    const shapes: Record<string, number[]> = { sample: [1, 4, 8, 8], timestep: [1], encoder_hidden_states: [1, 77, 32] };
    for (const r of info.residualInputs) shapes[r.name] = r.dims;
    const counted = graphMacs(model, await loadConstants(model, dirname(path), path), shapes);
    const analytic = sdUNetMacs({
      blockOut: [32, 64],
      downAttention: [true, false],
      layersPerBlock: 1,
      crossDim: 32,
      latentChannels: 4,
      latentHeight: 8,
      latentWidth: 8,
      sequence: 77,
    });
    expect(analytic).toBe(counted);
    // SD 1.5 at 512×512: a few hundred GMACs per UNet evaluation.
    const sd = sdUNetMacs(SD15_UNET);
    expect(sd).toBeGreaterThan(2e11);
    expect(sd).toBeLessThan(6e11);
  });
});
