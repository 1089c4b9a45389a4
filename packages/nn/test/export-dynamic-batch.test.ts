import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Conv2d, GroupNorm, InferenceSession, Sequential, SiLU, exportInference, initParameters } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nn-dynbatch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Regression: a model traced at batch 1 had its GroupNorm reshapes elided as no-ops, so the
// exported graph failed at any other batch size.
it('a GroupNorm model exported with a dynamic batch runs at any batch size, row by row equal', async () => {
  for (const traced of [1, 3]) {
    const net = new Sequential([new Conv2d(1, 8, 3, { padding: 1 }), new GroupNorm(4, 8), new SiLU()]);
    initParameters(net, 0);
    const path = join(dir, `gn-${traced}.onnx`);
    await exportInference(net, path, { inputs: { x: { shape: [traced, 1, 4, 4] } }, forward: (ctx, i) => net.forward(ctx, i.x!), dynamicBatch: true });
    const s = await InferenceSession.create(path);
    const x = new Float32Array(5 * 16).map((_, k) => Math.sin(k * 0.7));
    const one = (await s.run({ x: { data: x.subarray(0, 16), shape: [1, 1, 4, 4] } })).output as Float32Array;
    for (const b of [2, 5]) {
      const out = (await s.run({ x: { data: x.subarray(0, b * 16), shape: [b, 1, 4, 4] } })).output as Float32Array;
      expect(out.length).toBe(b * 8 * 16);
      for (let i = 0; i < one.length; i++) expect(Math.abs((out[i] as number) - (one[i] as number))).toBeLessThan(1e-5);
    }
    await s.dispose();
  }
});
