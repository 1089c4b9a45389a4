/**
 * onnxruntime's CPU conv is much faster in its blocked NCHWc layout, but its optimiser only
 * converts convs whose weights are constants, which training weights are not. The training
 * graph therefore uses the com.microsoft.nchwc kernels directly (see serialize.ts). Their
 * block size depends on the CPU (16 with AVX-512, 8 with AVX2), and the kernels are
 * internal to onnxruntime, so the block size is found by running a small conv both ways
 * and comparing; if no size reproduces the plain Conv, the lowering stays off.
 */
import { Graph } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { serializeGraph } from '../graph/serialize.js';
import { ort } from './ort.js';

let cached: Promise<number> | undefined;

async function convWith(block: number, x: Float32Array, w: Float32Array): Promise<Float32Array | undefined> {
  const g = new Graph();
  const xv = g.input('x', [1, 32, 5, 5]);
  const wv = g.input('w', [32, 32, 3, 3]);
  const y = op.conv(xv, wv, null, { pads: [1, 1, 1, 1] });
  try {
    const s = await ort.InferenceSession.create(serializeGraph(g, { y }, { nchwcBlock: block }), { intraOpNumThreads: 1 });
    const r = await s.run({ x: new ort.Tensor('float32', x, [1, 32, 5, 5]), w: new ort.Tensor('float32', w, [32, 32, 3, 3]) });
    const out = (r.y as ort.Tensor).data as Float32Array;
    await s.release();
    return out;
  } catch {
    return undefined;
  }
}

async function detect(): Promise<number> {
  const x = Float32Array.from({ length: 800 }, (_, i) => Math.sin(i * 0.37));
  const w = Float32Array.from({ length: 9216 }, (_, i) => Math.cos(i * 0.11) * 0.1);
  const ref = await convWith(0, x, w);
  if (!ref) return 0;
  for (const block of [16, 8, 4]) {
    const got = await convWith(block, x, w);
    if (got && got.every((v, i) => Math.abs(v - (ref[i] as number)) <= 1e-4 * (1 + Math.abs(ref[i] as number)))) return block;
  }
  return 0;
}

/** The NCHWc block size usable for in-graph weight reordering here, or 0. */
export function nchwcBlockSize(): Promise<number> {
  cached ??= detect();
  return cached;
}
