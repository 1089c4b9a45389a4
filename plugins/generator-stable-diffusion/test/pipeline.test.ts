import { describe, expect, it } from 'vitest';
import { StableDiffusion, readSdFolder } from '../src/index.js';
import { maxAbsDiff, tempDir, tinyModel } from './helpers.js';

describe('SD ONNX folder on the tiny model', () => {
  it('reads the folder layout and the component metadata', async () => {
    const info = await tinyModel();
    const f = await readSdFolder(info.dir);
    expect(f.scheduler.beta_schedule).toBe('scaled_linear');
    expect(f.scalingFactor).toBe(0.18215);
    const sd = await StableDiffusion.load(info.dir);
    expect(sd.unet.input('timestep').type).toBe('float32');
    expect(sd.textEncoder.input('input_ids').type).toBe('int64');
    expect(sd.latentSize()).toEqual({ h: 8, w: 8 });
    const ri = sd.residualInputs(2, 8, 8);
    expect(ri?.down.map((d) => d.dims)).toEqual(info.residualInputs.slice(0, 4).map((r) => [2, ...r.dims.slice(1)]));
    await sd.dispose();
  });

  it('generates deterministic images per seed with every scheduler, guidance on and off', async () => {
    const info = await tinyModel();
    const sd = await StableDiffusion.load(info.dir);
    for (const scheduler of ['ddim', 'euler-ancestral', 'dpmpp-2m'] as const) {
      let ticks = 0;
      const a = await sd.generate({
        prompts: ['pixelated network data, type-0', 'pixelated network data, type-1'],
        steps: 4,
        guidance: 5,
        scheduler,
        seed: 7,
        onStep: () => ticks++,
      });
      const b = await sd.generate({ prompts: ['pixelated network data, type-0', 'pixelated network data, type-1'], steps: 4, guidance: 5, scheduler, seed: 7 });
      const c = await sd.generate({ prompts: ['pixelated network data, type-0', 'pixelated network data, type-1'], steps: 4, guidance: 5, scheduler, seed: 8 });
      expect(a.dims).toEqual([2, 3, 64, 64]);
      expect(ticks).toBe(4);
      expect(Array.from(a.data).every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(a.data, b.data)).toBe(0);
      expect(maxAbsDiff(a.data, c.data)).toBeGreaterThan(1e-3);
    }
    const plain = await sd.generate({ prompts: ['type'], steps: 3, guidance: 1, scheduler: 'ddim', seed: 1 });
    expect(plain.dims).toEqual([1, 3, 64, 64]);
    await sd.dispose();
  });

  it('img2img: strength 0.5 runs half the steps from the init image', async () => {
    const info = await tinyModel();
    const sd = await StableDiffusion.load(info.dir);
    const init = new Float32Array(3 * 64 * 64).map((_, i) => Math.sin(i));
    let ticks = 0;
    const out = await sd.generate({
      prompts: ['type'],
      steps: 6,
      guidance: 3,
      scheduler: 'dpmpp-2m',
      seed: 3,
      init: { images: init, strength: 0.5 },
      onStep: () => ticks++,
    });
    expect(ticks).toBe(3);
    expect(out.dims).toEqual([1, 3, 64, 64]);
    await sd.dispose();
  });

  it('a model exported with a fixed batch of 1 runs CFG batches in chunks and gives the same images', async () => {
    const dyn = await tinyModel();
    const fixed = await tinyModel({ staticBatch: 1 });
    const a = await StableDiffusion.load(dyn.dir);
    const b = await StableDiffusion.load(fixed.dir);
    expect(b.unet.input('sample').shape[0]).toBe(1);
    const o = {
      prompts: ['type-0', 'type-1'],
      steps: 3,
      guidance: 4,
      scheduler: 'euler-ancestral' as const,
      seed: 5,
      init: { images: new Float32Array(2 * 3 * 64 * 64).map((_, i) => Math.cos(i / 9)), strength: 0.9 },
    };
    const x = await a.generate(o);
    const y = await b.generate(o);
    expect(y.dims).toEqual([2, 3, 64, 64]);
    expect(maxAbsDiff(x.data, y.data)).toBeLessThan(1e-4);
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

describe('worker-thread sessions', () => {
  it('give the same images as in-process sessions', async () => {
    const info = await tinyModel();
    const a = await StableDiffusion.load(info.dir);
    const b = await StableDiffusion.load(info.dir, { worker: true });
    const o = { prompts: ['type-0', 'type-1'], steps: 3, guidance: 4, scheduler: 'dpmpp-2m' as const, seed: 5 };
    const x = await a.generate(o);
    const y = await b.generate(o);
    expect(maxAbsDiff(x.data, y.data)).toBe(0);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('keep the event loop running during a long evaluation (in-process sessions block it)', async () => {
    // A wider tiny UNet (32×32 latents, ~0.5 s per call here) so one evaluation is long.
    const wide = await tinyModel({ blockOut: [128, 256], resolution: 256, textDim: 128, heads: 4 });
    const ticksDuring = async (sd: StableDiffusion): Promise<number> => {
      const hid = await sd.encodePrompts(['a', 'b']);
      const x = new Float32Array(2 * 4 * 32 * 32).fill(0.1);
      await sd.unetStep(x, [2, 4, 32, 32], 500, hid); // warm-up
      let ticks = 0;
      const iv = setInterval(() => ticks++, 5);
      const p = sd.unetStep(x, [2, 4, 32, 32], 500, hid);
      await p;
      clearInterval(iv);
      return ticks;
    };
    const a = await StableDiffusion.load(wide.dir, { threads: 1 });
    const b = await StableDiffusion.load(wide.dir, { threads: 1, worker: true });
    const inProcess = await ticksDuring(a);
    const inWorker = await ticksDuring(b);
    expect(inProcess).toBeLessThanOrEqual(1);
    expect(inWorker).toBeGreaterThanOrEqual(5);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('an abort stops sampling with an InterruptedError and terminates the workers', async () => {
    const info = await tinyModel();
    const ac = new AbortController();
    const sd = await StableDiffusion.load(info.dir, { worker: true, signal: ac.signal });
    const p = sd.generate({
      prompts: ['type-0'],
      steps: 50,
      guidance: 3,
      scheduler: 'ddim',
      seed: 1,
      signal: ac.signal,
      onStep: (k) => (k === 2 ? ac.abort() : undefined),
    });
    await expect(p).rejects.toMatchObject({ code: 'INTERRUPTED' });
    await sd.dispose();
  });
});

describe('folder errors', () => {
  it('a missing component or a corrupt model is a ModelFileError naming the file', async () => {
    const { cpSync, rmSync: rm, writeFileSync: wf } = await import('node:fs');
    const { join: j } = await import('node:path');
    const info = await tinyModel();
    const broken = tempDir('sd-broken-');
    cpSync(info.dir, broken, { recursive: true });
    rm(j(broken, 'vae_decoder', 'model.onnx'));
    await expect(StableDiffusion.load(broken)).rejects.toMatchObject({ code: 'MODEL_FILE', file: j(broken, 'vae_decoder', 'model.onnx') });
    cpSync(j(info.dir, 'vae_decoder'), j(broken, 'vae_decoder'), { recursive: true });
    wf(j(broken, 'unet', 'model.onnx'), 'not a model');
    await expect(StableDiffusion.load(broken, { worker: true })).rejects.toMatchObject({ code: 'MODEL_FILE', file: j(broken, 'unet', 'model.onnx') });
  });
});
