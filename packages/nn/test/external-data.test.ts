/**
 * External data for training graphs: a small conv net whose frozen weights are graph
 * constants, trained inline and with every initializer forced into the side file
 * (threshold 0), must give bit-identical losses and weights; the side file must really hold
 * the constants and be removed on dispose.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  Graph,
  Linear,
  Module,
  SiLU,
  adamw,
  buildTrainingSession,
  initParameters,
  mseLoss,
  ops as op,
  serializeGraphExternal,
  type TraceContext,
  type Value,
} from '../src/index.js';

class Net extends Module {
  readonly c1 = this.child('c1', new Conv2d(2, 16, 3, { padding: 1 }));
  readonly act = new SiLU();
  readonly c2 = this.child('c2', new Conv2d(16, 16, 3, { padding: 1 }));
  readonly head = this.child('head', new Linear(16, 2));
  forward(ctx: TraceContext, x: Value): Value {
    const h = this.c2.forward(ctx, this.act.forward(ctx, this.c1.forward(ctx, x)));
    return this.head.forward(ctx, op.reduceMean(h, [2, 3], false));
  }
}

describe('training graphs with ONNX external data', () => {
  it('threshold 0 (every constant external) trains bit-identically to the inline graph; files removed on dispose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-ext-test-'));
    try {
      const B = 4;
      const rng = createRng(3);
      const batch = { x: Float32Array.from({ length: B * 2 * 6 * 6 }, () => rng.normal()), y: Float32Array.from({ length: B * 2 }, () => rng.normal()) };
      const batches = Array.from({ length: 5 }, () => batch); // one batch, so the loss must fall
      const run = async (external: boolean): Promise<{ losses: number[]; head: Float32Array; modelPath?: string; dataBytes: number }> => {
        const net = new Net();
        initParameters(net, 7);
        const trainer = await buildTrainingSession(net, {
          inputs: { x: { shape: [B, 2, 6, 6] }, y: { shape: [B, 2] } },
          loss: (ctx, i) => mseLoss(net.forward(ctx, i.x as Value), i.y as Value),
          optimizer: adamw({ lr: 1e-2 }),
          frozen: ['c1', 'c2'], // frozen convs are graph constants: the initializers that move out
          runtime: { intraOpNumThreads: 1 },
          ...(external && { externalData: { threshold: 0, dir } }),
        });
        const losses: number[] = [];
        for (const b of batches) losses.push((await trainer.trainStep(b)).loss);
        const head = trainer.parameter('head.weight').slice();
        const folders = readdirSync(dir);
        let dataBytes = 0;
        let modelPath: string | undefined;
        if (external) {
          expect(folders.length).toBe(1);
          modelPath = join(dir, folders[0] as string, 'model.onnx');
          dataBytes = statSync(join(dir, folders[0] as string, 'model.onnx_data')).size;
          // The model proto carries no tensor data: far smaller than the frozen weights.
          expect(trainer.trainingModel.byteLength).toBeLessThan(dataBytes);
        }
        await trainer.dispose();
        return { losses, head, dataBytes, ...(modelPath && { modelPath }) };
      };
      const inline = await run(false);
      const ext = await run(true);
      expect(ext.losses).toEqual(inline.losses);
      expect(Buffer.from(ext.head.buffer).equals(Buffer.from(inline.head.buffer))).toBe(true);
      // Frozen conv weights (2·16·9 + 16 + 16·16·9 + 16 floats) are in the side file.
      expect(ext.dataBytes).toBeGreaterThanOrEqual((2 * 16 * 9 + 16 + 16 * 16 * 9 + 16) * 4);
      expect(inline.losses[4] as number).toBeLessThan(inline.losses[0] as number);
      expect(existsSync(dirname(ext.modelPath as string))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts tensors at or above the threshold in the side file at page-aligned offsets, the rest inline', () => {
    const g = new Graph();
    const x = g.input('x', [1, 8192]);
    const big = g.floats(new Float32Array(8192).fill(0.5), [1, 8192]);
    const small = g.floats([1, 2, 3], [3]);
    const y = op.add(op.add(x, big), op.reduceSum(small, [0], true));
    const m = serializeGraphExternal(g, { y }, { threshold: 1024, location: 'w.bin' });
    expect(m.tensors).toBe(1);
    expect(m.dataBytes).toBe(8192 * 4);
    const m0 = serializeGraphExternal(g, { y }, { threshold: 0, location: 'w.bin' });
    expect(m0.tensors).toBeGreaterThanOrEqual(2);
    // the 32 kB tensor starts on a 4 KiB boundary after the small one(s)
    const lens = m0.chunks.map((c) => c.byteLength);
    let off = 0;
    for (const l of lens) {
      if (l === 8192 * 4) expect(off % 4096).toBe(0);
      off += l;
    }
    expect(off).toBe(m0.dataBytes);
  });
});
