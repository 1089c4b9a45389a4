/**
 * Merging LoRA pairs into ONNX initializers before the session is created:
 *   W ← W + m·(alpha/r)·up@down        (Linear, [out, in])
 *   W[o,i,:,:] += m·(alpha/r)·Σ_r up[o,r]·down[r,i,:,:]   (Conv; 1×1 up)
 * Transposed MatMul weights ([in, out]) get the transposed delta. Patched tensors are stored
 * inline in the model bytes in their own data type (fp16 stays fp16); untouched ones stay
 * in the external data file. Fused/optimised graphs lose the module names and cannot be patched.
 */
import { ModelFileError } from '@netsynth/core';
import type { ModelProto } from '../onnx/proto.js';
import { setTensorFloat32, tensorFloat32 } from '../onnx/tensor-data.js';
import type { LoraPair } from './file.js';

/** The delta up@down in PyTorch layout ([out, in·kh·kw]), unscaled. */
export function loraDelta(p: LoraPair): Float32Array {
  const out = p.upShape[0] as number;
  const r = p.rank;
  const inner = p.down.length / r;
  const d = new Float32Array(out * inner);
  for (let o = 0; o < out; o++)
    for (let k = 0; k < r; k++) {
      const u = p.up[o * r + k] as number;
      if (u === 0) continue;
      const row = k * inner;
      const dst = o * inner;
      for (let i = 0; i < inner; i++) d[dst + i] = (d[dst + i] as number) + u * (p.down[row + i] as number);
    }
  return d;
}

export interface MergeReport {
  /** Initializer names that were changed. */
  patched: string[];
}

export async function mergeLora(
  model: ModelProto,
  modelDir: string,
  modelFile: string,
  pairs: readonly { pair: LoraPair; multiplier: number }[],
): Promise<MergeReport> {
  const inits = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const current = new Map<string, Float32Array>();
  for (const { pair, multiplier } of pairs) {
    const t = inits.get(pair.target.initializer);
    if (!t) throw new ModelFileError(`initializer ${pair.target.initializer} not found`, modelFile);
    let w = current.get(t.name);
    if (!w) {
      w = new Float32Array(await tensorFloat32(t, modelDir, modelFile));
      current.set(t.name, w);
    }
    const scale = (multiplier * pair.alpha) / pair.rank;
    const delta = loraDelta(pair);
    if (delta.length !== w.length)
      throw new ModelFileError(`LoRA delta for ${pair.target.module} has ${delta.length} values, weight has ${w.length}`, modelFile);
    if (pair.target.transposed) {
      const [out, inp] = pair.target.shape as [number, number];
      for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) w[i * out + o] = (w[i * out + o] as number) + scale * (delta[o * inp + i] as number);
    } else for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) + scale * (delta[k] as number);
  }
  for (const [name, w] of current) setTensorFloat32(inits.get(name) as (typeof model.graph.initializer)[number], w);
  return { patched: [...current.keys()] };
}
