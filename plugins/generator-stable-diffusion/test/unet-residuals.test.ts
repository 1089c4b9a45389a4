import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Value } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createTinyUNet, encodeModel, readSdFolder, torchStyle, traceNamed, trainLora } from '../src/index.js';
import { maxAbsDiff, tempDir, tinyModel } from './helpers.js';

describe('tiny UNet ControlNet inputs', () => {
  it('with zero residuals the exported UNet equals the plain UNet (no residual inputs)', async () => {
    const info = await tinyModel();
    const unet = createTinyUNet();
    const plain = traceNamed(unet, {
      inputs: { sample: { shape: [2, 4, 8, 8] }, timestep: { shape: [2] }, encoder_hidden_states: { shape: [2, 77, 32] } },
      forward: (ctx, i) => ({ out_sample: unet.forward(ctx, i.sample as Value, i.timestep as Value, i.encoder_hidden_states as Value) }),
    });
    torchStyle(plain, (p) => /transformer_blocks/.test(p));
    const ps = await ort.InferenceSession.create(encodeModel(plain));
    const rs = await ort.InferenceSession.create(join(info.dir, 'unet', 'model.onnx'));
    const x = Float32Array.from({ length: 2 * 256 }, (_, i) => Math.cos(i));
    const c = Float32Array.from({ length: 2 * 77 * 32 }, (_, i) => Math.sin(i / 3));
    const base = {
      sample: new ort.Tensor('float32', x, [2, 4, 8, 8]),
      timestep: new ort.Tensor('float32', Float32Array.of(10, 700), [2]),
      encoder_hidden_states: new ort.Tensor('float32', c, [2, 77, 32]),
    };
    const zeros: Record<string, ort.Tensor> = {};
    for (const r of info.residualInputs)
      zeros[r.name] = new ort.Tensor('float32', new Float32Array(2 * r.dims.slice(1).reduce((a, b) => a * b, 1)), [2, ...r.dims.slice(1)]);
    const a = (await ps.run(base)).out_sample?.data as Float32Array;
    const b = (await rs.run({ ...base, ...zeros })).out_sample?.data as Float32Array;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    // A residual on the mid block changes the output.
    const mid = info.residualInputs[4] as { name: string; dims: number[] };
    const bumped = {
      ...zeros,
      [mid.name]: new ort.Tensor('float32', new Float32Array(2 * mid.dims.slice(1).reduce((p, q) => p * q, 1)).fill(1), [2, ...mid.dims.slice(1)]),
    };
    const d = (await rs.run({ ...base, ...bumped })).out_sample?.data as Float32Array;
    expect(maxAbsDiff(a, d)).toBeGreaterThan(1e-3);
  });

  it('LoRA training resumed from a checkpoint is bit-identical to an uninterrupted run', async () => {
    const info = await tinyModel();
    const folder = await readSdFolder(info.dir);
    const data = {
      latents: Float32Array.from({ length: 2 * 256 }, (_, i) => Math.sin(i / 5)),
      latentDims: [2, 4, 8, 8] as [number, number, number, number],
      hidden: Float32Array.from({ length: 2 * 77 * 32 }, (_, i) => Math.cos(i / 7)),
      hiddenDims: [2, 77, 32] as [number, number, number],
    };
    const dir = tempDir('lora-resume-');
    const opts = { rank: 2, lr: 1e-3, batchSize: 1, seed: 3 };
    const full = await trainLora(folder.unet, folder.scheduler, data, { ...opts, steps: 6 });
    const ck = join(dir, 'ck.safetensors');
    const half = await trainLora(folder.unet, folder.scheduler, data, { ...opts, steps: 3, checkpointPath: ck });
    await half.trainer.dispose();
    expect(existsSync(ck)).toBe(true);
    const rest = await trainLora(folder.unet, folder.scheduler, data, { ...opts, steps: 6, checkpointPath: ck });
    expect(rest.resumedFromStep).toBe(3);
    expect(rest.losses).toEqual(full.losses.slice(3));
    for (const p of full.lora.pairs) {
      const k = `${p.key}.lora_down.weight`;
      expect(Buffer.from(rest.trainer.parameter(k).buffer.slice(0)).equals(Buffer.from(full.trainer.parameter(k).buffer.slice(0)))).toBe(true);
    }
    expect(readFileSync(ck).byteLength).toBeGreaterThan(0);
    await Promise.all([full.trainer.dispose(), rest.trainer.dispose()]);
  });
});
