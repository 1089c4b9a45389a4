import { dpSgdEpsilon } from '@netsynth/dp';
import { readSafetensors } from '@netsynth/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { FILES, createDdpmGenerator, readModelConfig, type DdpmOptionsInput } from '../src/index.js';
import { cleanup, context, tmp, twoClassImages } from './helpers.js';

afterAll(cleanup);

const TINY: DdpmOptionsInput = { channels: 8, groups: 4, batchSize: 8, threads: 1, replicas: 1, warmupSteps: 2 };

describe('options.privacy: DP-SGD training', () => {
  it('solves σ for the target ε, trains every step within the budget and reports (ε, δ) in the result and model.json', async () => {
    const dir = tmp();
    const data = twoClassImages(32, 1, 8, 8);
    const r = await createDdpmGenerator({ ...TINY, steps: 12, privacy: { epsilon: 4, secureRandomness: false } }).fit(data, dir, context(3));
    expect(r.steps).toBe(12);
    const p = r.privacy!;
    expect(p.epsilon).toBeGreaterThan(0);
    expect(p.epsilon).toBeLessThanOrEqual(4);
    // The budget is nearly used: σ is the smallest that meets it.
    expect(p.epsilon).toBeGreaterThan(3.9);
    expect(p.delta).toBeCloseTo(Math.min(1e-5, 0.1 / 32), 15);
    expect(p.sampleRate).toBeCloseTo(8 / 32, 12);
    expect(dpSgdEpsilon({ sampleRate: p.sampleRate, noiseMultiplier: p.noiseMultiplier, steps: 12, delta: p.delta }).epsilon).toBeCloseTo(p.epsilon, 9);
    expect(p.unit).toMatch(/one training sample/);
    expect((await readModelConfig(dir)).privacy).toEqual(p);
    // A finished model of the same training returns the same guarantee without training.
    expect((await createDdpmGenerator({ ...TINY, steps: 12, privacy: { epsilon: 4, secureRandomness: false } }).fit(data, dir, context(3))).privacy).toEqual(p);
  }, 120_000);

  it('same seed with secureRandomness: false gives the same weights', async () => {
    const data = twoClassImages(16, 1, 8, 8);
    const opts = { ...TINY, steps: 3, privacy: { epsilon: 8, secureRandomness: false } };
    const a = tmp();
    const b = tmp();
    await createDdpmGenerator(opts).fit(data, a, context(4));
    await createDdpmGenerator(opts).fit(data, b, context(4));
    const [ta, tb] = await Promise.all([readSafetensors(`${a}/${FILES.checkpoint}`), readSafetensors(`${b}/${FILES.checkpoint}`)]);
    for (const [k, t] of ta.tensors) expect(Buffer.from(t.bytes).equals(Buffer.from(tb.tensors.get(k)!.bytes)), k).toBe(true);
  }, 120_000);

  it('rejects a target ε that is not positive', () => {
    expect(() => createDdpmGenerator({ privacy: { epsilon: 0 } })).toThrow();
  });
});

describe('options.init: warm start', () => {
  it("starts from another run's EMA weights, and a changed init changes the training key", async () => {
    const data = twoClassImages(16, 1, 8, 8);
    const pub = tmp();
    await createDdpmGenerator({ ...TINY, steps: 5 }).fit(data, pub, context(1));
    const fine = tmp();
    // lr ≈ 0 and no steps to speak of: the fine-tuned weights are the public EMA weights.
    await createDdpmGenerator({ ...TINY, steps: 1, lr: 1e-12, init: pub }).fit(data, fine, { ...context(2), baseDir: '/' });
    const [src, dst] = await Promise.all([readSafetensors(`${pub}/${FILES.checkpoint}`), readSafetensors(`${fine}/${FILES.checkpoint}`)]);
    const name = 'inc.weight';
    const a = new Float32Array(src.tensors.get(`ema.${name}`)!.bytes.slice().buffer);
    const b = new Float32Array(dst.tensors.get(name)!.bytes.slice().buffer);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    const cold = tmp();
    await createDdpmGenerator({ ...TINY, steps: 1, lr: 1e-12 }).fit(data, cold, context(2));
    expect((await readModelConfig(cold)).trainingKey).not.toBe((await readModelConfig(fine)).trainingKey);
  }, 120_000);

  it('names the folder when it holds no DDPM model', async () => {
    await expect(createDdpmGenerator({ ...TINY, steps: 1, init: tmp() }).fit(twoClassImages(8, 1, 8, 8), tmp(), context(1))).rejects.toMatchObject({
      code: 'MODEL_FILE',
    });
  });
});
