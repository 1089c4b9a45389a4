/** Stateless building blocks used by the layers (all are plain graph ops, differentiable). */
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';

/** SiLU / swish: x·σ(x), differentiated as dy·(s + y·(1−s)) reusing the forward σ. */
export function silu(x: Value): Value {
  let s: Value | undefined;
  let y: Value | undefined;
  return x.graph.region(
    [x],
    () => {
      s = op.sigmoid(x);
      y = op.mul(x, s);
      return y;
    },
    (dy) => {
      const sv = s as Value;
      return [op.mul(dy, op.add(sv, op.mul(y as Value, op.sub(1, sv))))];
    },
  );
}

/** Exact GELU: x·Φ(x) = ½x(1 + erf(x/√2)). */
export function gelu(x: Value): Value {
  return op.mul(op.mul(x, 0.5), op.add(op.erf(op.mul(x, Math.SQRT1_2)), 1));
}

/** Mean squared error over all elements. */
export function mseLoss(pred: Value, target: Value): Value {
  const d = op.sub(pred, target);
  return op.reduceMeanAll(op.mul(d, d));
}

/** Sinusoidal embedding [B, dim] of float positions [B] (the DDPM / transformer form: sin then cos). */
export function timestepEmbedding(t: Value, dim: number): Value {
  const half = Math.floor(dim / 2);
  const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const args = op.mul(op.reshape(t, [0, 1]), t.graph.floats(freqs, [1, half]));
  return op.concat([op.sin(args), op.cos(args)], 1);
}
