import { join } from 'node:path';
import { createImageTensor, createRng, silentProgress, type ImageTensor, type PluginContext, type TrainingSet } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import plugin, {
  StableDiffusionGenerator,
  isUNetResidualExtension,
  sdOptionsSchema,
  type ResidualPrepareArgs,
  type UNetResidualExtension,
} from '../src/index.js';
import { maxAbsDiff, tempDir } from './helpers.js';

/** nPrint-like tensors: onehot3 (+1 for the cell's class, −1 else) and an IAT channel; label decides a bit pattern. */
function dataset(h: number, w: number): TrainingSet {
  const tensors: ImageTensor[] = [];
  const labels: string[] = [];
  const rng = createRng(4);
  for (const [li, label] of ['netflix', 'zoom'].entries())
    for (let s = 0; s < 2; s++) {
      const t = createImageTensor(4, h, w);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const cls = y > h * 0.75 ? 2 : (x + y * li) % 3 === 0 ? 0 : rng.next() < 0.5 ? 1 : 2;
          for (let c = 0; c < 3; c++) t.data[(c * h + y) * w + x] = c === cls ? 1 : -1;
          t.data[(3 * h + y) * w + x] = y > h * 0.75 ? -1 : -0.5;
        }
      tensors.push(t);
      labels.push(label);
    }
  return {
    tensors,
    labels,
    encoder: { name: '@netsynth/encoder-nprint', info: { channels: 4, height: h, width: w, valueRange: [-1, 1], metadata: {} }, state: {} },
  };
}

function ctx(seed: number): PluginContext {
  const dir = tempDir('netsynth-sdgen-');
  return { seed, rng: createRng(seed), progress: silentProgress, workDir: dir, baseDir: dir };
}

/** A stand-in ControlNet: constant residuals on the mid block (and zeros on the downs). */
class ConstantResiduals implements UNetResidualExtension {
  readonly name = 'test-controlnet';
  readonly role = 'controlnet' as const;
  prepared: ResidualPrepareArgs | undefined;
  calls = 0;
  constructor(readonly value: number) {}
  async prepare(a: ResidualPrepareArgs): Promise<void> {
    this.prepared = a;
  }
  async residuals(): Promise<{ down: { data: Float32Array; dims: number[] }[]; mid: { data: Float32Array; dims: number[] } }> {
    this.calls++;
    const a = this.prepared as ResidualPrepareArgs;
    const make = (dims: number[], v: number) => ({ data: new Float32Array(dims.reduce((p, q) => p * q, 1)).fill(v), dims });
    return { down: a.residualInputs.down.map((d) => make(d.dims, 0)), mid: make(a.residualInputs.mid.dims, this.value) };
  }
}

describe('generator plugin (tiny model)', () => {
  it('fit trains a LoRA on tiled images with per-class captions; sample returns encoder-shaped tensors per label', async () => {
    const data = dataset(80, 100);
    const opts = sdOptionsSchema.parse({
      model: 'tiny',
      image: { mode: 'tile' },
      train: { steps: 8, batchSize: 2, lr: 1e-3 },
      sample: { steps: 3, guidance: 3, batchSize: 4, scheduler: 'euler-ancestral' },
    });
    const c = ctx(11);
    const gen = await plugin.create(opts, c);
    const modelDir = join(c.workDir, 'model');
    const fit = await gen.fit(data, modelDir, c);
    expect(fit.steps).toBe(8);
    expect(Number.isFinite(fit.finalLoss)).toBe(true);
    const samples = await gen.sample(modelDir, { perLabel: { netflix: 2, zoom: 1 } }, c);
    expect(samples.map((s) => s.label)).toEqual(['netflix', 'netflix', 'zoom']);
    for (const s of samples) {
      expect([s.tensor.channels, s.tensor.height, s.tensor.width]).toEqual([4, 80, 100]);
      // The IAT channel cannot be generated: it comes back as its fill (median = −0.5).
      expect(s.tensor.data[3 * 80 * 100]).toBe(-0.5);
    }
    const again = await gen.sample(modelDir, { perLabel: { netflix: 2, zoom: 1 } }, c);
    expect(maxAbsDiff(again[0]?.tensor.data ?? [], samples[0]?.tensor.data ?? [1])).toBe(0);
    // Resume: a second fit finds the finished checkpoint and does no more steps.
    const refit = await gen.fit(data, modelDir, c);
    expect(refit.resumedFromStep).toBe(8);
  });

  it('feeds ControlNet-role extensions: zero residuals change nothing, mid residuals change the output', async () => {
    const data = dataset(32, 40);
    const base = { model: 'tiny', image: { mode: 'resize' }, train: { steps: 2 }, sample: { steps: 3, guidance: 2, scheduler: 'ddim' } };
    const c = ctx(5);
    const modelDir = join(c.workDir, 'model');
    const plain = new StableDiffusionGenerator(sdOptionsSchema.parse(base));
    await plain.fit(data, modelDir, c);
    const refs = { netflix: [data.tensors[0] as ImageTensor] };
    const a = await plain.sample(modelDir, { perLabel: { netflix: 1 }, references: refs }, c);
    const zero = new ConstantResiduals(0);
    const strong = new ConstantResiduals(0.5);
    expect(isUNetResidualExtension(zero)).toBe(true);
    expect(isUNetResidualExtension({ name: 'x', role: 'controlnet' })).toBe(false);
    const b = await new StableDiffusionGenerator(sdOptionsSchema.parse(base), [zero]).sample(modelDir, { perLabel: { netflix: 1 }, references: refs }, c);
    const d = await new StableDiffusionGenerator(sdOptionsSchema.parse(base), [strong]).sample(modelDir, { perLabel: { netflix: 1 }, references: refs }, c);
    expect(zero.calls).toBe(3);
    expect(zero.prepared?.guidance).toBe(true);
    expect(zero.prepared?.residualInputs.mid.dims).toEqual([2, 64, 4, 4]);
    expect(zero.prepared?.references[0]?.[0]?.channels).toBe(4);
    expect([zero.prepared?.references[0]?.[0]?.height, zero.prepared?.references[0]?.[0]?.width]).toEqual([64, 64]);
    expect(zero.prepared?.labels).toEqual(['netflix']);
    expect(maxAbsDiff(a[0]?.tensor.data ?? [], b[0]?.tensor.data ?? [1])).toBeLessThan(1e-5);
    expect(maxAbsDiff(a[0]?.tensor.data ?? [], d[0]?.tensor.data ?? [1])).toBeGreaterThan(1e-3);
  });

  it('img2img from the references when sample.strength is set; falls back to noise with a warning when a label has none', async () => {
    const data = dataset(32, 40);
    const c = ctx(9);
    const warnings: string[] = [];
    c.progress = { ...c.progress, warn: (m: string) => warnings.push(m) };
    const modelDir = join(c.workDir, 'model');
    const base = { model: 'tiny', train: { steps: 1 }, sample: { steps: 4, guidance: 2, scheduler: 'dpmpp-2m' } };
    await new StableDiffusionGenerator(sdOptionsSchema.parse(base)).fit(data, modelDir, c);
    const refs = { netflix: [data.tensors[0] as ImageTensor] };
    const noise = await new StableDiffusionGenerator(sdOptionsSchema.parse(base)).sample(modelDir, { perLabel: { netflix: 1 }, references: refs }, c);
    const i2i = await new StableDiffusionGenerator(sdOptionsSchema.parse({ ...base, sample: { ...base.sample, strength: 0.5 } })).sample(
      modelDir,
      { perLabel: { netflix: 1, zoom: 1 }, references: refs },
      c,
    );
    expect(i2i.map((s) => s.label)).toEqual(['netflix', 'zoom']);
    expect(maxAbsDiff(noise[0]?.tensor.data ?? [], i2i[0]?.tensor.data ?? [1])).toBeGreaterThan(1e-3);
    expect(warnings.some((w) => w.includes('zoom') && w.includes('no reference'))).toBe(true);
  });

  it('train.resolution must match a UNet with fixed spatial size', async () => {
    const c = ctx(2);
    const gen = new StableDiffusionGenerator(sdOptionsSchema.parse({ model: 'tiny', train: { steps: 1, resolution: 32 } }));
    await expect(gen.fit(dataset(16, 16), join(c.workDir, 'model'), c)).rejects.toThrow(/train.resolution 32 differs from the UNet's fixed size 64/);
  });
});
