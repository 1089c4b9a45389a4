import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@netsynth/core';
import { ControlNetModel } from '../src/index.js';
import { makeTinyPair, type TinyPair } from './helpers.js';

let pair: TinyPair;
beforeAll(async () => {
  pair = await makeTinyPair({ perturbed: { perturb: 0.05 }, noscale: { perturb: 0.05, scaleInput: false } });
});
afterAll(() => pair?.cleanup());

function randoms(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** One ControlNet call on the tiny folder's shapes, UNet batch 2. */
async function step(model: ControlNetModel, scale: number, condValue = 1) {
  const lat = pair.sd.latentSize;
  const res = pair.sd.resolution;
  const b = 2;
  return model.run({
    sample: randoms(b * 4 * lat * lat, 1),
    sampleDims: [b, 4, lat, lat],
    timestep: 501,
    encoderHiddenStates: randoms(b * pair.sd.maxLength * pair.sd.textDim, 2),
    hiddenDims: [b, pair.sd.maxLength, pair.sd.textDim],
    cond: new Float32Array(b * 3 * res * res).fill(condValue),
    condDims: [b, 3, res, res],
    conditioningScale: scale,
  });
}

describe('ONNX ControlNet', () => {
  it('loads, finds its inputs by name and maps N down + 1 mid outputs by position onto the UNet residual inputs', async () => {
    const m = await ControlNetModel.load(pair.controlnet.path);
    expect(m.inputs).toEqual({
      sample: 'sample',
      timestep: 'timestep',
      encoderHiddenStates: 'encoder_hidden_states',
      controlnetCond: 'controlnet_cond',
      conditioningScale: 'conditioning_scale',
    });
    const unetDown = pair.sd.residualInputs.filter((r) => r.name.startsWith('down_block_'));
    expect(m.downCount).toBe(unetDown.length);
    expect(m.midOutput).toBe('mid_block_res_sample');
    const out = await step(m, 1);
    expect(out.down.map((d) => d.dims)).toEqual(unetDown.map((r) => [2, ...r.dims.slice(1)]));
    const mid = pair.sd.residualInputs.find((r) => r.name === 'mid_block_additional_residual');
    expect(out.mid.dims).toEqual([2, ...(mid?.dims.slice(1) ?? [])]);
    await m.dispose();
  });

  it('a fresh (zero-conv) ControlNet gives residuals that are exactly zero', async () => {
    const m = await ControlNetModel.load(pair.controlnet.path);
    const out = await step(m, 1);
    for (const r of [...out.down, out.mid]) expect(r.data.every((v) => v === 0)).toBe(true);
    await m.dispose();
  });

  it('a perturbed ControlNet gives non-zero residuals that scale linearly with conditioning_scale, in the graph or outside it', async () => {
    const inside = await ControlNetModel.load(pair.extra['perturbed']?.path as string);
    const outside = await ControlNetModel.load(pair.extra['noscale']?.path as string);
    expect(inside.scalesInside).toBe(true);
    expect(outside.scalesInside).toBe(false);
    const a1 = await step(inside, 1);
    const a05 = await step(inside, 0.5);
    const b05 = await step(outside, 0.5);
    const a0 = await step(inside, 0);
    const norm = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    for (let i = 0; i < a1.down.length; i++) {
      const d1 = a1.down[i]?.data as Float32Array;
      expect(norm(d1)).toBeGreaterThan(0);
      const h = a05.down[i]?.data as Float32Array;
      const o = b05.down[i]?.data as Float32Array;
      for (let k = 0; k < d1.length; k += 7) {
        expect(h[k]).toBeCloseTo((d1[k] as number) * 0.5, 5);
        expect(o[k]).toBeCloseTo(h[k] as number, 5);
      }
      expect((a0.down[i]?.data as Float32Array).every((v) => v === 0)).toBe(true);
    }
    // The control image matters: a different one gives different residuals.
    const other = await step(inside, 1, 0);
    expect(norm((other.down[0]?.data as Float32Array).map((v, k) => v - (a1.down[0]?.data[k] as number)))).toBeGreaterThan(1e-4);
    await inside.dispose();
    await outside.dispose();
  });
});

describe('fp16 ControlNet', () => {
  it('takes float32 in and gives float32 out, within float16 precision of the fp32 export', async () => {
    const { buildTinyControlNet } = await import('../src/index.js');
    const { join } = await import('node:path');
    const half = await buildTinyControlNet(pair.sdDir, { seed: 5, perturb: 0.05, fp16: true, outDir: join(pair.root, 'fp16') });
    const ort = await import('onnxruntime-node');
    const raw = await ort.InferenceSession.create(half.path);
    const types = Object.fromEntries(raw.inputMetadata.map((m) => [m.name, m.isTensor ? m.type : '']));
    expect(types).toEqual({
      sample: 'float16',
      timestep: 'float16',
      encoder_hidden_states: 'float16',
      controlnet_cond: 'float16',
      conditioning_scale: 'float16',
    });
    await raw.release();
    const m16 = await ControlNetModel.load(half.path);
    const m32 = await ControlNetModel.load(pair.extra['perturbed']?.path as string);
    const a = await step(m16, 0.7);
    const b = await step(m32, 0.7);
    for (let i = 0; i < a.down.length; i++) {
      const x = a.down[i]?.data as Float32Array;
      const y = b.down[i]?.data as Float32Array;
      expect(x).toBeInstanceOf(Float32Array);
      let err = 0;
      let mag = 0;
      for (let k = 0; k < x.length; k++) {
        err = Math.max(err, Math.abs((x[k] as number) - (y[k] as number)));
        mag = Math.max(mag, Math.abs(y[k] as number));
      }
      expect(mag).toBeGreaterThan(0);
      expect(err).toBeLessThan(0.02 * mag + 1e-3);
    }
    await m16.dispose();
    await m32.dispose();
  });
});
