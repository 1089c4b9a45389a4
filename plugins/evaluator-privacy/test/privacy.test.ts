import type { GeneratedSample, Metric } from '@netsynth/core';
import { createImageTensor, createRng, isPluginDefinition, silentProgress } from '@netsynth/core';
import { toyTraffic } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import plugin, { createPrivacyEvaluator, evaluatePrivacy, imageVector, nearestDistances, privacyOptionsSchema, seriesVector } from '../src/index.js';

const ctx = { seed: 2, rng: createRng(2), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };
const byName = (metrics: Metric[]): Map<string, Metric> => new Map(metrics.map((m) => [m.name, m]));
const opts = privacyOptionsSchema.parse({});

describe('privacy building blocks', () => {
  it('series vectors carry signed sizes and scaled gaps', () => {
    const s = toyTraffic(1, 1).find((x) => x.label === 'dns')!;
    const v = seriesVector(s, 4);
    expect(v).toHaveLength(8);
    expect(v[0]).toBeGreaterThan(0);
    expect(v[1]).toBeLessThan(0);
    expect(v[2]).toBe(0);
    expect(v[4]).toBe(0);
    expect(v[5]).toBeGreaterThan(0);
  });

  it('nearest distances are exact', () => {
    const refs = [Float64Array.of(0, 0), Float64Array.of(3, 4)];
    expect(nearestDistances([Float64Array.of(3, 4), Float64Array.of(1, 0), Float64Array.of(6, 8)], refs)).toEqual([0, 1, 5]);
  });

  it('pools images to the requested side', () => {
    const t = createImageTensor(
      1,
      4,
      4,
      Float32Array.from({ length: 16 }, (_, i) => i),
    );
    expect([...imageVector(t, 2)]).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect(imageVector(t, 8)).toHaveLength(16);
  });
});

describe('evaluator-privacy', () => {
  const training = toyTraffic(1, 30, 'train');
  const heldOut = toyTraffic(2, 30, 'test');

  it('is a plugin definition with documented defaults', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.options.parse({})).toMatchObject({ features: 'auto', nearCopyPercentile: 5, seriesLength: 32 });
  });

  it('flags a generator that copies its training samples', async () => {
    const res = await createPrivacyEvaluator().evaluate({ samples: heldOut, training: { samples: training } }, { samples: training.slice(0, 45) }, ctx);
    const m = byName(res.metrics);
    expect(m.get('exact_copies.share')?.value).toBe(1);
    expect(m.get('near_copies.share')?.value).toBe(1);
    expect(m.get('near_copies.share')?.real).toBeLessThan(0.15);
    expect(m.get('dcr.median')?.synthetic).toBe(0);
    expect(m.get('dcr.median_ratio')?.value).toBe(0);
    expect(m.get('closer_to_train.share')?.value).toBeGreaterThan(0.4);
  });

  it('does not flag fresh samples of the same process', () => {
    const fresh = toyTraffic(3, 30, 'syn');
    const r = evaluatePrivacy({ samples: heldOut, training: { samples: training } }, { samples: fresh }, opts, 2);
    const m = byName(r.metrics);
    expect(r.reference).toBe('given');
    expect(r.mode).toBe('series');
    expect(m.get('exact_copies.share')?.value).toBe(0);
    expect(m.get('near_copies.share')?.value).toBeLessThan(0.2);
    expect(m.get('dcr.median_ratio')?.value).toBeGreaterThan(0.6);
    const closer = m.get('closer_to_train.share')?.value as number;
    expect(closer).toBeGreaterThan(0.25);
    expect(closer).toBeLessThan(0.75);
  });

  it('splits the real samples when no training set is given, and copies of real data show', () => {
    const r = evaluatePrivacy({ samples: training }, { samples: training }, opts, 4);
    expect(r.reference).toBe('split');
    expect(r.realToTrain).toHaveLength(45);
    // Half the synthetic samples are the training half itself.
    const exact = byName(r.metrics).get('exact_copies.share')?.value as number;
    expect(exact).toBeGreaterThanOrEqual(0.5);
    expect(r.sections.map((s) => s.kind)).toEqual(['cdf', 'table']);
  });

  it('compares images when every side has them', () => {
    const rng = createRng(9);
    const img = (label: string, base: number): GeneratedSample => ({
      label,
      tensor: createImageTensor(
        1,
        8,
        8,
        Float32Array.from({ length: 64 }, () => base + rng.normal() * 0.1),
      ),
    });
    const train = Array.from({ length: 20 }, (_, i) => img(i % 2 ? 'a' : 'b', i % 2));
    const test = Array.from({ length: 20 }, (_, i) => img(i % 2 ? 'a' : 'b', i % 2));
    const r = evaluatePrivacy({ samples: [], images: test, training: { samples: [], images: train } }, { samples: [], images: train.slice(0, 10) }, opts, 1);
    expect(r.mode).toBe('images');
    expect(byName(r.metrics).get('exact_copies.share')?.value).toBe(1);
    expect(() =>
      evaluatePrivacy(
        { samples: [], images: test },
        { samples: [], images: [{ label: 'a', tensor: createImageTensor(1, 4, 4) }] },
        privacyOptionsSchema.parse({ imagePoolSide: 8 }),
        1,
      ),
    ).toThrow(/different sizes/);
  });
});
