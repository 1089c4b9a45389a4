import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@netsynth/core';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceSession, adam, buildBenchUNet, buildTrainingSession, exportInference, initParameters, mseLoss } from '../src/index.js';
import { decodeModel } from '../src/onnx/proto.js';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'nn-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inference export', () => {
  it('a trained class-conditional U-Net exports to ONNX that matches the training forward to 1e-5', async () => {
    const net = buildBenchUNet({ res: 8, ch: 8, mults: [1, 2], attnRes: 4, groups: 4, classes: 3 });
    initParameters(net, 0);
    const B = 4;
    const inputs = { x: { shape: [B, 1, 8, 8] }, t: { shape: [B] }, y: { shape: [B], dtype: 'int64' as const }, eps: { shape: [B, 1, 8, 8] } };
    const trainer = await buildTrainingSession(net, {
      inputs,
      loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!, i.t!, i.y!), i.eps!),
      forward: (ctx, i) => net.forward(ctx, i.x!, i.t!, i.y!),
      optimizer: adam({ lr: 1e-3 }),
    });
    const rng = createRng(1);
    const x = Float32Array.from({ length: B * 64 }, () => rng.normal());
    const eps = Float32Array.from({ length: B * 64 }, () => rng.normal());
    const t = Float32Array.of(1, 100, 500, 999);
    const y = BigInt64Array.of(0n, 2n, 1n, 2n);
    for (let s = 0; s < 3; s++) await trainer.trainStep({ x, t, y, eps });
    const trainingOut = await trainer.predict({ x, t, y });
    trainer.syncToModel();
    const path = join(dir, 'unet.onnx');
    await exportInference(net, path, {
      inputs: { x: inputs.x, t: inputs.t, y: inputs.y },
      forward: (ctx, i) => ({ sample: net.forward(ctx, i.x!, i.t!, i.y!) }),
      dynamicBatch: true,
      metadata: { model: 'bench-unet' },
    });
    // Standalone: weights are initializers, the only inputs are the data.
    const proto = decodeModel(readFileSync(path));
    expect(proto.graph.input.map((i) => i.name).sort()).toEqual(['t', 'x', 'y']);
    expect(proto.graph.initializer.length).toBeGreaterThan(40);
    // Loaded by plain onnxruntime (no netsynth code) as any runtime would.
    const raw = await ort.InferenceSession.create(path);
    const rawOut = (await raw.run({ x: new ort.Tensor('float32', x, [B, 1, 8, 8]), t: new ort.Tensor('float32', t, [B]), y: new ort.Tensor('int64', y, [B]) }))
      .sample!.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < rawOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs((rawOut[i] as number) - (trainingOut[i] as number)));
    expect(maxDiff).toBeLessThan(1e-5);
    // Dynamic batch: a 2-sample batch through the wrapper gives the first two rows.
    const s = await InferenceSession.create(path);
    const two = await s.run({
      x: { data: x.subarray(0, 128), shape: [2, 1, 8, 8] },
      t: { data: t.subarray(0, 2), shape: [2] },
      y: { data: y.subarray(0, 2), shape: [2] },
    });
    const o2 = two.sample as Float32Array;
    for (let i = 0; i < o2.length; i++) expect(Math.abs((o2[i] as number) - (rawOut[i] as number))).toBeLessThan(1e-5);
    await raw.release();
    await s.dispose();
    await trainer.dispose();
  });
});
