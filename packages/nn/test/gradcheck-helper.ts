/**
 * Finite-difference gradient checks in float32: loss = Σ f(inputs)·R for a fixed random R,
 * analytic gradients from the engine's autodiff, numeric ones by central differences on a
 * few random coordinates of every input, all evaluated by onnxruntime.
 */
import { createRng } from '@netsynth/core';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { Graph, gradients, ops, serializeGraph, type Value } from '../src/index.js';

export interface CheckInput {
  shape: number[];
  dtype?: 'float32' | 'int64';
  /** Values: default standard normal; 'positive' for log/sqrt inputs; explicit array for ids/masks. */
  init?: 'normal' | 'positive' | Float32Array | BigInt64Array;
  /** Skip differentiating (ids, masks). */
  constant?: boolean;
}

export interface CheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  samples?: number;
  seed?: number;
}

export async function gradCheck(
  inputs: Record<string, CheckInput>,
  build: (g: Graph, v: Record<string, Value>) => Value,
  o: CheckOptions = {},
): Promise<number> {
  const rng = createRng(o.seed ?? 7);
  const g = new Graph();
  const vals: Record<string, Value> = {};
  const data: Record<string, Float32Array | BigInt64Array> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    vals[name] = g.input(name, spec.shape, spec.dtype ?? 'float32');
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.init instanceof Float32Array || spec.init instanceof BigInt64Array) data[name] = spec.init;
    else if (spec.init === 'positive') data[name] = Float32Array.from({ length: size }, () => 0.5 + rng.next() * 1.5);
    else data[name] = Float32Array.from({ length: size }, () => rng.normal());
  }
  const out = build(g, vals);
  const r = g.floats(
    Float32Array.from({ length: out.size }, () => rng.normal()),
    out.shape,
  );
  const loss = ops.reduceSumAll(ops.mul(out, r));
  const wrt = Object.entries(inputs)
    .filter(([, s]) => !s.constant && (s.dtype ?? 'float32') === 'float32')
    .map(([n]) => vals[n] as Value);
  const grads = gradients(g, loss, wrt);
  const outputs: Record<string, Value> = { loss };
  for (const w of wrt) outputs[`grad_${w.name}`] = grads.get(w) as Value;
  const names = wrt.map((w) => w.name);
  const session = await ort.InferenceSession.create(serializeGraph(g, outputs), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const run = async (): Promise<ort.InferenceSession.ReturnType> => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, spec] of Object.entries(inputs)) feeds[name] = new ort.Tensor(spec.dtype ?? 'float32', data[name] as Float32Array, spec.shape);
    return session.run(feeds);
  };
  const base = await run();
  const eps = o.eps ?? 1e-2;
  let worst = 0;
  for (const name of names) {
    const analytic = (base[`grad_${name}`] as ort.Tensor).data as Float32Array;
    const x = data[name] as Float32Array;
    const samples = Math.min(o.samples ?? 6, x.length);
    for (let s = 0; s < samples; s++) {
      const i = rng.int(x.length);
      const orig = x[i] as number;
      x[i] = orig + eps;
      const lp = ((await run()).loss as ort.Tensor).data[0] as number;
      x[i] = orig - eps;
      const lm = ((await run()).loss as ort.Tensor).data[0] as number;
      x[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[i] as number;
      const err = Math.abs(numeric - a) / ((o.atol ?? 2e-2) + (o.rtol ?? 2e-2) * Math.abs(numeric));
      worst = Math.max(worst, err);
      expect(err, `d loss / d ${name}[${i}]: analytic ${a}, numeric ${numeric}`).toBeLessThanOrEqual(1);
    }
  }
  await session.release();
  return worst;
}

import { initParameters, type Module, type TraceContext } from '../src/index.js';

/** Gradient check of a layer w.r.t. its inputs and every parameter (params fed as inputs). */
export async function layerCheck(
  model: Module,
  inputs: Record<string, CheckInput>,
  forward: (ctx: TraceContext, v: Record<string, Value>) => Value,
  o: CheckOptions & { masks?: Record<string, Float32Array> } = {},
): Promise<number> {
  initParameters(model, 3);
  const named = model.namedParameters();
  const all: Record<string, CheckInput> = { ...inputs };
  for (const [name, p] of named) all[`p:${name}`] = { shape: [...p.shape], init: p.data.map((v, i) => v + 0.1 * Math.sin(i + 1)) };
  let maskNo = 0;
  return gradCheck(
    all,
    (g, v) => {
      const byParam = new Map(named.map(([n, p]) => [p, v[`p:${n}`] as Value]));
      const ctx: TraceContext = {
        graph: g,
        training: true,
        param: (p) => byParam.get(p) as Value,
        dropoutMask: (shape) => {
          const m = o.masks?.[`mask${maskNo++}`];
          if (!m) throw new Error('test gave no dropout mask');
          return g.floats(m, shape);
        },
      };
      return forward(ctx, v);
    },
    o,
  );
}
