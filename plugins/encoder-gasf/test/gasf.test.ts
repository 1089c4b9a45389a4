import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { areaResize, areaTaps, gasf, gasfImage, gasfToSeries, GasfEncoder, type FeatureName } from '../src/index.js';
import { logUniform, maxRelativeError, syntheticFlow, uniform } from './helpers.js';

/** The spec's formula evaluated directly: φ = arccos(x), pixel = A·((cos(φi+φj)+1)/2)^γ. */
function directPixel(xi: number, xj: number, gamma: number, gain: number): number {
  return gain * Math.pow((Math.cos(Math.acos(xi) + Math.acos(xj)) + 1) / 2, gamma);
}

describe('gasf', () => {
  it('equals cos(arccos xi + arccos xj) over [-1, 1]', () => {
    const x = uniform(createRng(1), 64, -1, 1);
    x[0] = -1;
    x[1] = 1;
    x[2] = 0;
    const g = gasf(x);
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 64; j++) {
        expect(Math.abs(g[i * 64 + j]! - Math.cos(Math.acos(x[i]!) + Math.acos(x[j]!)))).toBeLessThan(1e-12);
      }
    }
  });

  it('rejects values outside [-1, 1]', () => {
    expect(() => gasf([0.5, 1.5])).toThrow(/outside/);
    expect(() => gasfImage([0.5, -0.1])).toThrow(/outside \[0, 1\]/);
  });

  it('the fused GASF+resize equals area-resizing the full pixel image', () => {
    const rng = createRng(2);
    for (const [n, m] of [
      [300, 32],
      [300, 64],
      [7, 3],
      [5, 2],
      [64, 32],
      [20, 32],
    ] as const) {
      const x = uniform(rng, n, 0, 1);
      const full = gasfImage(x, { gamma: 0.25, gain: 1 });
      const expected = areaResize(full, n, n, m, m);
      const fused = gasfImage(x, { gamma: 0.25, gain: 1 }, m);
      expect(maxRelativeError(fused, expected, 1)).toBeLessThan(1e-12);
    }
  });
});

describe('GASF encoder matches the formula before resizing', () => {
  for (const [gamma, gain, tensorRange] of [
    [0.25, 1, 'symmetric'],
    [0.25, 1, 'unit'],
    [0.5, 1, 'symmetric'],
    [0.3, 2, 'unit'],
    [1, 1, 'symmetric'],
  ] as const) {
    it(`γ=${gamma}, A=${gain}, ${tensorRange}: every pixel within 1e-6 of a double-precision evaluation`, () => {
      const n = 120;
      const encoder = GasfEncoder.create({ features: ['size'], length: n, resolution: null, gamma, gain, tensorRange, scale: { size: 1500 } });
      const flow = syntheticFlow(3, n, 100);
      const { tensor } = encoder.encodeSeries({ size: flow.size });
      expect([tensor.channels, tensor.height, tensor.width]).toEqual([1, n, n]);
      const x = Array.from(flow.size, (v) => v / 1500);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const p = directPixel(x[i]!, x[j]!, gamma, gain);
          const t = tensorRange === 'symmetric' ? 2 * p - gain : p;
          worst = Math.max(worst, Math.abs(tensor.data[i * n + j]! - t));
        }
      }
      expect(worst).toBeLessThan(1e-6);
      expect(encoder.info().valueRange).toEqual(tensorRange === 'symmetric' ? [-gain, gain] : [0, gain]);
    });
  }
});

describe('series come back from an un-resized image in real units (1e-4 relative)', () => {
  const n = 300;
  const flow = syntheticFlow(7, n, 260);
  const cases: { name: string; features: FeatureName[]; series: Partial<Record<FeatureName, Float64Array>>; extra?: object }[] = [
    { name: 'size', features: ['size'], series: { size: flow.size } },
    { name: 'signedSize', features: ['signedSize'], series: { signedSize: flow.size.map((v, i) => v * flow.direction[i]!) } },
    { name: 'direction', features: ['direction'], series: { direction: flow.direction } },
    { name: 'iat (linear)', features: ['iat'], series: { iat: flow.iat } },
    { name: 'iat (log)', features: ['iat'], series: { iat: flow.iat }, extra: { iatScale: 'log' } },
    { name: 'bytesPerBin', features: ['bytesPerBin'], series: { bytesPerBin: logUniform(createRng(9), n, 60, 3e6).map((v, i) => (i % 17 === 0 ? 0 : v)) } },
    {
      name: 'size + direction + iat (3 channels)',
      features: ['size', 'direction', 'iat'],
      series: { size: flow.size, direction: flow.direction, iat: flow.iat },
    },
  ];
  for (const c of cases) {
    for (const tensorRange of ['symmetric', 'unit'] as const) {
      it(`${c.name}, ${tensorRange}`, () => {
        const fitted = GasfEncoder.create({ features: c.features, length: n, resolution: null, tensorRange, ...c.extra });
        fitted.fitSeries([c.series]);
        const scale: Record<string, number> = {};
        for (const f of c.features) scale[f] = Math.max(...Array.from(c.series[f]!, Math.abs));
        const { tensor } = fitted.encodeSeries(c.series);
        const back = fitted.decodeSeries(tensor);
        for (const f of c.features) {
          expect(back[f]!.length).toBe(n);
          // Zeros (padding) must come back within 1e-6 of the feature's scale (1e-4 of scale/100).
          expect(maxRelativeError(back[f]!, c.series[f]!, scale[f]! / 1e2)).toBeLessThan(1e-4);
        }
      });
    }
  }
});

describe('resized images give the documented down-sampled series', () => {
  it('integer factor (320 → 32): a series constant over each block of 10 comes back exactly', () => {
    const rng = createRng(11);
    const blocks = Array.from({ length: 32 }, () => 40 + rng.int(1461));
    const size = Float64Array.from({ length: 320 }, (_, i) => blocks[Math.floor(i / 10)]!);
    const encoder = GasfEncoder.create({ features: ['size'], length: 320, resolution: 32 });
    const back = encoder.decodeSeries(encoder.encodeSeries({ size }).tensor).size!;
    expect(back.length).toBe(32);
    expect(maxRelativeError(back, blocks, 1)).toBeLessThan(1e-4);
    expect(encoder.info().metadata).toMatchObject({ seriesLength: 32, downsampleFactor: 10, length: 320, resolution: 32 });
  });

  it('non-integer factor (300 → 32): each value lies between the smallest and largest point its cell covers', () => {
    const flow = syntheticFlow(12, 300, 300);
    const encoder = GasfEncoder.create({ features: ['size'], length: 300, resolution: 32 });
    const back = encoder.decodeSeries(encoder.encodeSeries({ size: flow.size }).tensor).size!;
    expect(encoder.info().metadata).toMatchObject({ seriesLength: 32, downsampleFactor: 300 / 32 });
    const taps = areaTaps(300, 32).taps;
    taps.forEach((cell, k) => {
      const covered = cell.map((t) => flow.size[t.source]!);
      expect(back[k]!).toBeGreaterThanOrEqual(Math.min(...covered) * (1 - 1e-6));
      expect(back[k]!).toBeLessThanOrEqual(Math.max(...covered) * (1 + 1e-6));
    });
  });

  it('non-integer factor: a series constant over every covered cell comes back exactly', () => {
    // 300 → 32 with values changing only between cells 15/16: cells straddling nothing else.
    const size = Float64Array.from({ length: 300 }, (_, i) => (i < 140 ? 300 : 1200));
    const encoder = GasfEncoder.create({ features: ['size'], length: 300, resolution: 32 });
    const back = encoder.decodeSeries(encoder.encodeSeries({ size }).tensor).size!;
    const taps = areaTaps(300, 32).taps;
    taps.forEach((cell, k) => {
      const values = new Set(cell.map((t) => size[t.source]!));
      if (values.size === 1) expect(Math.abs(back[k]! - [...values][0]!)).toBeLessThan(1e-3);
    });
    expect(Math.abs(back[0]! - 300)).toBeLessThan(1e-3);
    expect(Math.abs(back[31]! - 1200)).toBeLessThan(1e-3);
  });

  it('the recovered series is the diagonal of the resized pixel image (gasfToSeries)', () => {
    const x = uniform(createRng(13), 300, 0, 1);
    const image = gasfImage(x, { gamma: 0.25, gain: 1 }, 32);
    const series = gasfToSeries(image, 32);
    for (let k = 0; k < 32; k++) expect(Math.abs(series[k]! ** 2 * 2 - 1 - (image[k * 33]! ** 4 * 2 - 1))).toBeLessThan(1e-12);
  });
});
