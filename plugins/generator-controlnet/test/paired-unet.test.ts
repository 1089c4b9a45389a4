/**
 * The ControlNet beside the tiny SD folder's own UNet ONNX file, one denoising step: its
 * residuals go into the UNet's down_block_<i> / mid_block_additional_residual inputs.
 * Scale: 64-pixel images (8×8 latents); the trained ControlNet takes 40 steps (~7 s).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@netsynth/core';
import { ControlNetModel } from '../src/index.js';
import { makeTinyPair, type TinyPair } from './helpers.js';
import { trainTinyControlNet, type TrainedControlNet } from './train-helper.js';

let pair: TinyPair;
let trained: TrainedControlNet;
let unet: ort.InferenceSession;
beforeAll(async () => {
  pair = await makeTinyPair({}, 64);
  mkdirSync(join(pair.root, 'trained'));
  trained = await trainTinyControlNet(pair.sdDir, join(pair.root, 'trained'), { steps: 40, delta: 0.5, lr: 1e-2 });
  unet = await ort.InferenceSession.create(join(pair.sdDir, 'unet', 'model.onnx'));
}, 120_000);
afterAll(async () => {
  await unet?.release();
  pair?.cleanup();
});

function inputs() {
  const { latentSize: lat, resolution: res, maxLength: L, textDim: D } = pair.sd;
  const rng = createRng(11);
  const sample = Float32Array.from({ length: 4 * lat * lat }, () => rng.normal());
  const hidden = Float32Array.from({ length: L * D }, () => rng.normal());
  const topHalf = new Float32Array(3 * res * res);
  for (let c = 0; c < 3; c++) for (let y = 0; y < res / 2; y++) topHalf.fill(1, c * res * res + y * res, c * res * res + (y + 1) * res);
  return { lat, res, L, D, sample, hidden, topHalf, blank: new Float32Array(3 * res * res) };
}

/** UNet prediction with the residuals of `model` for `cond` (or zero residuals when model is null). */
async function predict(model: ControlNetModel | null, cond: Float32Array, scale = 1): Promise<Float32Array> {
  const { lat, res, L, D, sample, hidden } = inputs();
  const feeds: Record<string, ort.Tensor> = {
    sample: new ort.Tensor('float32', sample, [1, 4, lat, lat]),
    timestep: new ort.Tensor('float32', Float32Array.of(501), [1]),
    encoder_hidden_states: new ort.Tensor('float32', hidden, [1, L, D]),
  };
  if (model) {
    const r = await model.run({
      sample,
      sampleDims: [1, 4, lat, lat],
      timestep: 501,
      encoderHiddenStates: hidden,
      hiddenDims: [1, L, D],
      cond,
      condDims: [1, 3, res, res],
      conditioningScale: scale,
    });
    r.down.forEach((d, i) => (feeds[`down_block_${i}`] = new ort.Tensor('float32', d.data, d.dims)));
    feeds['mid_block_additional_residual'] = new ort.Tensor('float32', r.mid.data, r.mid.dims);
  } else {
    for (const ri of pair.sd.residualInputs) feeds[ri.name] = new ort.Tensor('float32', new Float32Array(ri.dims.reduce((a, b) => a * b, 1)), ri.dims);
  }
  return (await unet.run(feeds))['out_sample']?.data as Float32Array;
}

/** Share of the squared change that lies in the top half of the latent, and the mean change per half. */
function where(a: Float32Array, b: Float32Array, lat: number): { topShare: number; meanTop: number; meanBottom: number } {
  let top = 0;
  let all = 0;
  let sTop = 0;
  let sBot = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    const y = Math.floor((i % (lat * lat)) / lat);
    all += d * d;
    if (y < lat / 2) {
      top += d * d;
      sTop += d;
    } else sBot += d;
  }
  return { topShare: top / all, meanTop: sTop / (a.length / 2), meanBottom: sBot / (a.length / 2) };
}

describe('ControlNet + UNet, one step', () => {
  it('a zero-conv ControlNet leaves the UNet prediction bit-identical to no ControlNet', async () => {
    const m = await ControlNetModel.load(pair.controlnet.path);
    const { topHalf } = inputs();
    expect(Array.from(await predict(m, topHalf))).toEqual(Array.from(await predict(null, topHalf)));
    await m.dispose();
  });

  it('training the ControlNet lowers its loss', () => {
    const first = trained.losses.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const last = trained.losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(last).toBeLessThan(first * 0.8);
  });

  it('a trained ControlNet changes the prediction where the control image is lit (top half), and scale 0 changes nothing', async () => {
    const m = await ControlNetModel.load(trained.path);
    const { topHalf, blank, lat } = inputs();
    const lit = await predict(m, topHalf);
    const dark = await predict(m, blank);
    const w = where(lit, dark, lat);
    console.log(
      `trained ControlNet, top-half control vs blank control: ${(100 * w.topShare).toFixed(1)} % of the squared change in the top half; mean change top ${w.meanTop.toFixed(3)}, bottom ${w.meanBottom.toFixed(3)} (trained towards +0.5 / 0)`,
    );
    expect(w.topShare).toBeGreaterThan(0.75);
    expect(w.meanTop).toBeGreaterThan(0.1);
    expect(Math.abs(w.meanBottom)).toBeLessThan(w.meanTop / 3);
    expect(Array.from(await predict(m, topHalf, 0))).toEqual(Array.from(await predict(null, topHalf)));
    await m.dispose();
  });
});
