import {
  createRng,
  EncodingError,
  isPluginDefinition,
  parsePluginOptions,
  PluginOptionsError,
  silentProgress,
  type Flow,
  type LabelledSample,
  type Packet,
  type PluginContext,
} from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import plugin, { GasfEncoder, ENCODER_NAME } from '../src/index.js';
import { syntheticFlow } from './helpers.js';

/** A raw-IP packet of IP length `size` at time `t` seconds (only the IPv4 header matters here). */
function rawPacket(size: number, tNs: bigint): Packet {
  const data = new Uint8Array(size);
  data[0] = 0x45;
  data[2] = size >> 8;
  data[3] = size & 0xff;
  return { timestampNs: tNs, capturedLength: size, originalLength: size, linkType: 101, data };
}

function sampleOf(sizes: number[], dirs: (0 | 1)[], gapsMs: number[], label = 'x'): LabelledSample {
  let t = 1_000_000_000_000n;
  const packets = sizes.map((s, i) => {
    if (i > 0) t += BigInt(Math.round(gapsMs[i - 1]! * 1e6));
    return rawPacket(s, t);
  });
  const flow: Flow = {
    key: { protocol: 6, a: { address: '10.0.0.1', port: 1 }, b: { address: '10.0.0.2', port: 2 } },
    id: 'f',
    packets,
    directions: dirs,
  };
  return { id: `s-${label}`, label, flow, windowStart: 0 };
}

const ctx = (seed: number): PluginContext => ({
  seed,
  rng: createRng(seed),
  progress: silentProgress,
  workDir: '/tmp',
  baseDir: '/tmp',
});

describe('GASF encoder', () => {
  it('is a definePlugin encoder named @netsynth/encoder-gasf whose options have defaults', async () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.name).toBe(ENCODER_NAME);
    expect(plugin.kind).toBe('encoder');
    const options = parsePluginOptions(plugin, {}, 'encoder.options');
    expect(options).toMatchObject({ features: ['size'], length: 300, resolution: 32, gamma: 0.25, gain: 1, tensorRange: 'symmetric' });
    const encoder = await plugin.create(options, ctx(1));
    expect(encoder.info()).toMatchObject({ channels: 1, height: 32, width: 32, valueRange: [-1, 1] });
    expect(() => parsePluginOptions(plugin, { features: ['size', 'size'] }, 'encoder.options')).toThrow(PluginOptionsError);
    expect(() => parsePluginOptions(plugin, { features: ['bytes'] }, 'encoder.options')).toThrow(/encoder\.options\.features/);
    expect(() => parsePluginOptions(plugin, { decode: { client: 'nope' } }, 'encoder.options')).toThrow(/IPv4/);
  });

  it('fit() learns per-feature maxima; fixed scales win; direction stays 1', () => {
    const a = sampleOf([60, 1500, 52], [0, 1, 0], [2, 30]);
    const b = sampleOf([40, 800], [1, 0], [500]);
    const encoder = GasfEncoder.create({ features: ['signedSize', 'direction', 'iat', 'bytesPerBin'], length: 10, scale: { bytesPerBin: 5000 } });
    expect(() => encoder.encode(a)).toThrow(EncodingError);
    expect(() => encoder.encode(a)).toThrow(/encoder\.options\.scale\.iat/);
    encoder.fit([a, b]);
    const norm = encoder.info().metadata['normalisation'] as Record<string, { scale: number; scaleSource: string; method: string }>;
    expect(norm['signedSize']).toMatchObject({ scale: 1500, scaleSource: 'fit', method: 'symmetric-minmax' });
    expect(norm['direction']).toMatchObject({ scale: 1, scaleSource: 'natural' });
    expect(norm['iat']!.scale).toBeCloseTo(0.5, 12);
    expect(norm['iat']).toMatchObject({ scaleSource: 'fit', method: 'max' });
    expect(norm['bytesPerBin']).toMatchObject({ scale: 5000, scaleSource: 'option' });
    expect(encoder.encode(a).channels).toBe(4);
  });

  it('state() / loadState() carry the fitted constants so another instance decodes alike', () => {
    const flow = syntheticFlow(4, 64, 50);
    const options = { features: ['size', 'iat'] as const, length: 64, resolution: 16 };
    const trained = GasfEncoder.create({ ...options, features: [...options.features] });
    trained.fitSeries([{ size: flow.size, iat: flow.iat }]);
    const tensor = trained.encodeSeries({ size: flow.size, iat: flow.iat }).tensor;
    const state = JSON.parse(JSON.stringify(trained.state()));
    const fresh = GasfEncoder.create({ ...options, features: [...options.features] });
    fresh.loadState(state);
    expect(fresh.decodeSeries(tensor)).toEqual(trained.decodeSeries(tensor));
    expect(fresh.state()).toEqual(trained.state());

    const other = GasfEncoder.create({ features: ['size'], length: 64 });
    expect(() => other.loadState(state)).toThrow(/features/);
    expect(() => fresh.loadState({ kind: 'something else' })).toThrow(EncodingError);
    expect(() => fresh.loadState({ ...state, scales: { size: -1, iat: 1 } })).toThrow(/scales\.size/);
  });

  it('clips values beyond the scale and says how many', () => {
    const encoder = GasfEncoder.create({ features: ['size'], length: 4, resolution: null, scale: { size: 1000 } });
    const r = encoder.encodeSeries({ size: [500, 1500, 2000, 0] });
    expect(r.clipped).toEqual({ size: 2 });
    expect([...encoder.decodeSeries(r.tensor).size!].map((v) => Math.round(v))).toEqual([500, 1000, 1000, 0]);
  });

  it('reports non-finite tensor values on the diagonal and reads them as 0', () => {
    const encoder = GasfEncoder.create({ features: ['size'], length: 8, resolution: null });
    const tensor = encoder.encodeSeries({ size: [100, 200, 300, 400, 0, 0, 0, 0] }).tensor;
    tensor.data[9] = Number.NaN; // diagonal (1, 1)
    const d = encoder.decode(tensor, 'x');
    expect(d.problems).toEqual([{ message: '1 non-finite value(s) on the diagonal of channel 0 (size) read as 0' }]);
    expect(d.series['size']![1]).toBe(0);
    expect(d.packets.map((p) => p.data.length)).toEqual([100, 300, 400]);
  });

  it('rejects a tensor of another shape with an EncodingError', () => {
    const encoder = GasfEncoder.create({ features: ['size', 'iat'], length: 30, resolution: 8, scale: { iat: 1 } });
    const wrong = { data: new Float32Array(64), channels: 1, height: 8, width: 8 };
    expect(() => encoder.decode(wrong, 'x')).toThrow(/1×8×8.*2×8×8/);
  });

  it('render(): grayscale RGBA, channels side by side with a 1-pixel gap, or channel 0 alone', () => {
    const encoder = GasfEncoder.create({ features: ['size', 'direction'], length: 20, resolution: 10 });
    const flow = syntheticFlow(8, 20, 20);
    const tensor = encoder.encodeSeries({ size: flow.size, direction: flow.direction }).tensor;
    const pic = encoder.render(tensor);
    expect([pic.width, pic.height, pic.rgba.length]).toEqual([21, 10, 21 * 10 * 4]);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 10; x++) {
        const o = (y * 21 + x) * 4;
        const expected = Math.round(((tensor.data[y * 10 + x]! + 1) / 2) * 255);
        expect([pic.rgba[o], pic.rgba[o + 1], pic.rgba[o + 2], pic.rgba[o + 3]]).toEqual([expected, expected, expected, 255]);
      }
      expect(pic.rgba[(y * 21 + 10) * 4]).toBe(0);
    }
    const first = GasfEncoder.create({ features: ['size', 'direction'], length: 20, resolution: 10, render: 'first' }).render(tensor);
    expect([first.width, first.height]).toEqual([10, 10]);
  });

  it('encodes sample packets: size from the IP header, signed by direction, gaps in seconds', () => {
    const s = sampleOf([60, 1500, 52], [0, 1, 0], [2, 30]);
    const encoder = GasfEncoder.create({ features: ['signedSize', 'iat'], length: 5, resolution: null, scale: { iat: 0.1 } });
    const r = encoder.encodeDetailed(s);
    expect([...r.series.signedSize!]).toEqual([60, -1500, 52, 0, 0]);
    expect([...r.series.iat!].map((v) => +v.toFixed(9))).toEqual([0, 0.002, 0.03, 0, 0]);
  });
});
