import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createImageTensor } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import {
  DataType,
  Geometry,
  StableDiffusion,
  createTinyUNet,
  decodeModel,
  enumerateTargets,
  floatToHalf,
  halfToFloat,
  mergeLora,
  readSdFolder,
  tensorFloat32,
  trainLora,
} from '../src/index.js';
import { maxAbsDiff, tinyModel } from './helpers.js';

describe('model formats', () => {
  it('reads UNet weights from the external data file at their offsets', async () => {
    const info = await tinyModel();
    const path = join(info.dir, 'unet', 'model.onnx');
    const m = decodeModel(readFileSync(path));
    const t = m.graph.initializer.find((x) => x.name === 'down_blocks.0.resnets.0.conv1.weight');
    expect(t?.dataLocation).toBe(1);
    expect(t?.externalData.find((e) => e.key === 'location')?.value).toBe('model.onnx_data');
    const values = await tensorFloat32(t as never, dirname(path), path);
    const unet = createTinyUNet();
    const p = unet.namedParameters().find(([n]) => n === 'down_blocks.0.resnets.0.conv1.weight')?.[1];
    expect(maxAbsDiff(values, p?.data ?? [])).toBe(0);
  });

  it('half-float conversion rounds to nearest even and round-trips', () => {
    for (const v of [0, 1, -2.5, 65504, 6.1e-5, 1e-7, 0.1, 3.14159])
      expect(Math.abs(halfToFloat(floatToHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 6e-8);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('fp16 export: float16 inputs/outputs from the metadata, same images as fp32 within fp16 precision, LoRA merge keeps fp16', async () => {
    const f32 = await tinyModel();
    const f16 = await tinyModel({ fp16: true });
    const a = await StableDiffusion.load(f32.dir);
    const b = await StableDiffusion.load(f16.dir);
    expect(b.unet.input('sample').type).toBe('float16');
    expect(b.unet.input('timestep').type).toBe('float16');
    const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i));
    const hid = await a.encodePrompts(['type-1']);
    const hid16 = await b.encodePrompts(['type-1']);
    expect(maxAbsDiff(hid.data, hid16.data)).toBeLessThan(0.05);
    const ya = await a.unetStep(x, [1, 4, 8, 8], 400, hid);
    const yb = await b.unetStep(x, [1, 4, 8, 8], 400, hid);
    expect(maxAbsDiff(ya, yb)).toBeLessThan(0.05);
    const ga = await a.generate({ prompts: ['type-1'], steps: 3, guidance: 2, scheduler: 'ddim', seed: 2 });
    const gb = await b.generate({ prompts: ['type-1'], steps: 3, guidance: 2, scheduler: 'ddim', seed: 2 });
    expect(maxAbsDiff(ga.data, gb.data)).toBeLessThan(0.1);
    const unet16 = decodeModel(readFileSync(join(f16.dir, 'unet', 'model.onnx')));
    const targets = enumerateTargets(unet16);
    const q = targets.get('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q');
    expect(q?.kind).toBe('matmul');
    const qt = unet16.graph.initializer.find((t) => t.name === q?.initializer);
    expect(qt?.dataType).toBe(DataType.FLOAT16);
    const path16 = join(f16.dir, 'unet', 'model.onnx');
    const before = await tensorFloat32(qt as never, dirname(path16), path16);
    const [o, i] = q?.shape as [number, number];
    const pair = {
      component: 'unet' as const,
      target: q as NonNullable<typeof q>,
      down: new Float32Array(i).fill(0.5),
      downShape: [1, i],
      up: new Float32Array(o).fill(0.25),
      upShape: [o, 1],
      rank: 1,
      alpha: 1,
    };
    await mergeLora(unet16, dirname(path16), path16, [{ pair, multiplier: 1 }]);
    expect(qt?.dataType).toBe(DataType.FLOAT16);
    const after = await tensorFloat32(qt as never, dirname(path16), path16);
    expect(
      maxAbsDiff(
        after.map((v, k) => v - (before[k] as number)),
        new Float32Array(after.length).fill(0.125),
      ),
    ).toBeLessThan(2e-3);
    // LoRA training imports the fp16 graph (Cast nodes computed in float32).
    const folder = await readSdFolder(f16.dir);
    const r = await trainLora(
      folder.unet,
      folder.scheduler,
      { latents: x, latentDims: [1, 4, 8, 8], hidden: hid.data, hiddenDims: [1, 77, 32] },
      { steps: 2, rank: 2 },
    );
    expect(r.losses.every(Number.isFinite)).toBe(true);
    await r.trainer.dispose();
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

describe('image geometry', () => {
  const make = (c: number, h: number, w: number) => {
    const t = createImageTensor(c, h, w);
    for (let i = 0; i < t.data.length; i++) t.data[i] = ((i * 7919) % 3) - 1;
    return t;
  };
  it('tile: lossless round trip of the RGB channels, extra channels come back as fill', () => {
    const t = make(4, 70, 150);
    const g = new Geometry({ mode: 'tile', native: 64, channels: 4, height: 70, width: 150, valueRange: [-1, 1], fill: [-1, -1, 1, -0.25] });
    const tiles = g.toModel(t);
    expect(tiles.length).toBe(2 * 3);
    expect(tiles[5]?.image.data[0]).toBe(t.data[(0 * 70 + 64) * 150 + 128]);
    expect(tiles[5]?.image.data[2 * 64 * 64 + 63 * 64 + 63]).toBe(1); // padding = fill of channel 2
    const back = g.fromModel(tiles.map((x) => x.image));
    expect(maxAbsDiff(back.data.subarray(0, 3 * 70 * 150), t.data.subarray(0, 3 * 70 * 150))).toBe(0);
    expect(back.data.subarray(3 * 70 * 150).every((v) => v === -0.25)).toBe(true);
  });
  it('crop keeps the window exactly; resize is approximate; one channel is repeated and averaged back', () => {
    const t = make(1, 40, 50);
    const crop = new Geometry({ mode: 'crop', native: 16, channels: 1, height: 40, width: 50, valueRange: [-1, 1], fill: [0.5], cropX: 3, cropY: 2 });
    const back = crop.fromModel(crop.toModel(t).map((x) => x.image));
    expect(back.data[(2 + 5) * 50 + 3 + 7]).toBe(t.data[(2 + 5) * 50 + 3 + 7]);
    expect(back.data[0]).toBe(0.5);
    const smooth = createImageTensor(
      1,
      40,
      50,
      Float32Array.from({ length: 2000 }, (_, i) => Math.sin((i % 50) / 8) * Math.cos(Math.floor(i / 50) / 7)),
    );
    const rs = new Geometry({ mode: 'resize', native: 32, channels: 1, height: 40, width: 50, valueRange: [-1, 1], fill: [0] });
    expect(maxAbsDiff(rs.fromModel(rs.toModel(smooth).map((x) => x.image)).data, smooth.data)).toBeLessThan(0.1);
    const ranged = new Geometry({ mode: 'resize', native: 32, channels: 1, height: 40, width: 50, valueRange: [0, 1], fill: [0] });
    const ones = createImageTensor(1, 40, 50, new Float32Array(2000).fill(1));
    expect(ranged.toModel(ones)[0]?.image.data[5]).toBe(1);
  });
});
