/**
 * The ControlNet extension inside the Stable Diffusion sampling loop of
 * @netsynth/generator-stable-diffusion (`StableDiffusion.generate`: DDIM, 10 steps,
 * classifier-free guidance 3, two images per batch, VAE decode), on the tiny 64-pixel folder.
 * The control comes from nPrint-like references whose packets fill the top half and whose
 * padding (-1) fills the bottom half, so the structure map is lit in the top half only.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '@netsynth/core';
import { StableDiffusion, type ResidualStepArgs, type UNetResiduals } from '@netsynth/generator-stable-diffusion';
import { ControlNetExtension, controlActive, controlNetOptionsSchema, type ControlNetOptionsInput } from '../src/index.js';
import { makeTinyPair, type TinyPair } from './helpers.js';
import { ONEHOT_INFO, maxAbsDiff, nprintReference, topShare } from './sampler-helpers.js';
import { trainTinyControlNet, type TrainedControlNet } from './train-helper.js';

let pair: TinyPair;
let trained: TrainedControlNet;
let sd: StableDiffusion;
let none: { data: Float32Array; dims: number[] };
const RES = 64;
const STEPS = 10;
const ref = (): ReturnType<typeof nprintReference> => nprintReference(RES, RES / 2);

beforeAll(async () => {
  pair = await makeTinyPair({}, RES);
  mkdirSync(join(pair.root, 'trained'));
  trained = await trainTinyControlNet(pair.sdDir, join(pair.root, 'trained'), { steps: 40, delta: 0.5, lr: 1e-2 });
  sd = await StableDiffusion.load(pair.sdDir);
  none = await generate();
}, 120_000);
afterAll(async () => {
  await sd?.dispose();
  pair?.cleanup();
});

function extension(o: ControlNetOptionsInput = {}, seed = 1): ControlNetExtension {
  return new ControlNetExtension(controlNetOptionsSchema.parse(o), { seed, baseDir: pair.root });
}

async function generate(ext?: ControlNetExtension, references = [[ref()], [ref()]], labels = ['a', 'a']) {
  return sd.generate({
    prompts: labels.map((l) => `pixelated network data, type-${l}`),
    steps: STEPS,
    guidance: 3,
    scheduler: 'ddim',
    seed: 4,
    ...(ext && { extensions: [ext] }),
    context: { labels, references, encoderInfo: ONEHOT_INFO },
  });
}

/** Records which steps got residuals. */
function spy(ext: ControlNetExtension): number[] {
  const active: number[] = [];
  const inner = ext.residuals.bind(ext);
  ext.residuals = async (a: ResidualStepArgs): Promise<UNetResiduals | null> => {
    const r = await inner(a);
    if (r) active.push(a.stepIndex);
    return r;
  };
  return active;
}

describe('ControlNet in the SD sampling loop', () => {
  it('loads the ControlNet from the SD folder (controlnet/model.onnx) and, zero-initialised, leaves the images bit-identical', async () => {
    const ext = extension();
    const active = spy(ext);
    const out = await generate(ext);
    expect(active).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    expect(maxAbsDiff(out.data, none.data)).toBe(0);
    // The control images: the references' structure maps, lit in the top half only.
    const c = ext.lastControl[0];
    expect(c?.width).toBe(RES);
    expect(c?.data.slice(0, (RES * RES) / 2).every((v) => v === 1)).toBe(true);
    expect(c?.data.slice((RES * RES) / 2, RES * RES).every((v) => v === 0)).toBe(true);
  });

  it('a trained ControlNet changes the images, mostly in the half its control image lights', async () => {
    const out = await generate(extension({ model: trained.path }));
    const shares = topShare(out.data, none.data, none.dims, RES / 2);
    const change = maxAbsDiff(out.data, none.data);
    console.log(
      `trained ControlNet vs none: max |Δpixel| ${change.toFixed(3)} (pixels in [-1, 1]); share of squared change in the top half per image: ${shares.map((s) => (100 * s).toFixed(1)).join(' %, ')} %`,
    );
    expect(change).toBeGreaterThan(0.1);
    for (const s of shares) expect(s).toBeGreaterThan(0.65);
  });

  it('conditioning scale 0 changes nothing; the scale grows the change', async () => {
    const zero = await generate(extension({ model: trained.path, conditioningScale: 0 }));
    expect(maxAbsDiff(zero.data, none.data)).toBe(0);
    const half = maxAbsDiff((await generate(extension({ model: trained.path, conditioningScale: 0.5 }))).data, none.data);
    const full = maxAbsDiff((await generate(extension({ model: trained.path, conditioningScale: 1 }))).data, none.data);
    expect(half).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(half);
  });

  it('honours guidance start/end: residuals only on the steps of the window', async () => {
    const ext = extension({ model: trained.path, guidanceStart: 0.3, guidanceEnd: 0.7 });
    const active = spy(ext);
    const windowed = await generate(ext);
    expect(active).toEqual([3, 4, 5, 6]);
    expect(active).toEqual(Array.from({ length: STEPS }, (_, i) => i).filter((i) => controlActive(i, STEPS, 0.3, 0.7)));
    const full = await generate(extension({ model: trained.path }));
    expect(maxAbsDiff(windowed.data, none.data)).toBeGreaterThan(0);
    expect(maxAbsDiff(windowed.data, full.data)).toBeGreaterThan(0);
    const empty = extension({ model: trained.path, guidanceStart: 0, guidanceEnd: 0 });
    const emptyActive = spy(empty);
    expect(maxAbsDiff((await generate(empty)).data, none.data)).toBe(0);
    expect(emptyActive).toEqual([]);
  });

  it('an image whose label has no reference is not steered; the others are', async () => {
    const out = await generate(extension({ model: trained.path }), [[ref()], []], ['a', 'b']);
    const base = await generate(undefined, [[ref()], []], ['a', 'b']);
    const per = base.data.length / 2;
    expect(maxAbsDiff(out.data.subarray(per), base.data.subarray(per))).toBe(0);
    expect(maxAbsDiff(out.data.subarray(0, per), base.data.subarray(0, per))).toBeGreaterThan(0.05);
  });

  it('picks references per image with its seed (random) or in turn (cycle), the same way every run', async () => {
    const refs = [nprintReference(RES, 8), nprintReference(RES, 24), nprintReference(RES, 40), nprintReference(RES, 56)];
    const litRows = (e: ControlNetExtension): number[] => e.lastControl.map((c) => c.data.slice(0, RES * RES).reduce((a, v) => a + v, 0) / RES);
    const run = async (o: ControlNetOptionsInput, seed: number): Promise<number[]> => {
      const e = extension(o, seed);
      await e.prepare({
        modelDir: pair.sdDir,
        batch: 4,
        imageHeight: RES,
        imageWidth: RES,
        latentHeight: RES / 8,
        latentWidth: RES / 8,
        labels: ['a', 'a', 'a', 'a'],
        references: [refs, refs, refs, refs],
        encoderInfo: ONEHOT_INFO,
        residualInputs: sd.residualInputs(8, RES / 8, RES / 8) as NonNullable<ReturnType<StableDiffusion['residualInputs']>>,
        guidance: true,
        seed: 9,
        progress: silentProgress,
      });
      const rows = litRows(e);
      await e.dispose();
      return rows;
    };
    expect(await run({ reference: 'cycle' }, 1)).toEqual([8, 24, 40, 56]);
    const a = await run({ reference: 'random' }, 1);
    expect(await run({ reference: 'random' }, 1)).toEqual(a);
    const others = await Promise.all([2, 3, 4, 5].map((s) => run({ reference: 'random' }, s)));
    expect(others.some((o) => o.join() !== a.join())).toBe(true);
    for (const r of [a, ...others].flat()) expect([8, 24, 40, 56]).toContain(r);
  });
});
