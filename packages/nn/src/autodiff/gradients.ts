/**
 * Reverse-mode differentiation of a symbolic Graph into more graph nodes. Walks the nodes
 * that lie between the requested inputs and the loss in reverse order, asks each op's rule
 * for the input gradients it needs (only for inputs that depend on a differentiated value,
 * so frozen weights never get a dW computed) and sums contributions with Add.
 */
import { EngineError } from '@netsynth/core';
import type { Graph, Node, Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { gradRules } from './rules.js';

const differentiable = new Set(['float32', 'float64']);

export function gradients(g: Graph, loss: Value, wrt: readonly Value[], seed?: Value): Map<Value, Value> {
  const depends = new Set<number>(wrt.map((v) => v.id));
  const forwardNodes = [...g.nodes];
  for (const n of forwardNodes) {
    if (n.inputs.some((i) => i && depends.has(i.id))) for (const o of n.outputs) if (differentiable.has(o.dtype)) depends.add(o.id);
  }
  if (!depends.has(loss.id)) throw new EngineError('the loss does not depend on any trainable value');
  const pending = new Map<number, Value[]>();
  pending.set(loss.id, [
    seed ??
      g.constant(
        { dtype: loss.dtype, shape: loss.shape, data: loss.dtype === 'float64' ? new Float64Array(loss.size).fill(1) : new Float32Array(loss.size).fill(1) },
        'seed',
      ),
  ]);

  const total = (v: Value): Value | null => {
    const parts = pending.get(v.id);
    if (!parts || parts.length === 0) return null;
    if (parts.length === 1) return parts[0] as Value;
    const sum = parts.length === 2 ? op.add(parts[0] as Value, parts[1] as Value) : g.add1('Sum', parts, v.shape);
    pending.set(v.id, [sum]);
    return sum;
  };

  const regionAtEnd = new Map(g.regions.map((r) => [r.end - 1, r]));
  const push = (inp: Value, d: Value, what: string): void => {
    if (d.size !== inp.size) throw new EngineError(`gradient of ${what} has shape [${d.shape.join(',')}], expected [${inp.shape.join(',')}]`);
    const fixed = d.shape.length === inp.shape.length && d.shape.every((s, j) => s === inp.shape[j]) ? d : op.reshape(d, inp.shape);
    const list = pending.get(inp.id) ?? [];
    list.push(fixed);
    pending.set(inp.id, list);
  };
  for (let k = forwardNodes.length - 1; k >= 0; k--) {
    const region = regionAtEnd.get(k);
    if (region) {
      // The region's nodes are skipped; its rule maps the output gradient to its inputs.
      k = region.start;
      const d = depends.has(region.output.id) ? total(region.output) : null;
      const needs = region.inputs.map((i) => depends.has(i.id));
      if (!d || !needs.some(Boolean)) continue;
      const dIn = region.grad(d, needs);
      region.inputs.forEach((inp, i) => {
        const di = dIn[i];
        if (needs[i] && di) push(inp, di, 'region input');
      });
      continue;
    }
    const n = forwardNodes[k] as Node;
    if (!n.outputs.some((o) => depends.has(o.id))) continue;
    const dOut = n.outputs.map((o) => (depends.has(o.id) ? total(o) : null));
    if (dOut.every((d) => d === null)) continue;
    const needs = n.inputs.map((i) => !!i && depends.has(i.id));
    if (!needs.some(Boolean)) continue;
    const rule = gradRules[n.op];
    if (!rule) throw new EngineError(`no gradient rule for ONNX op ${n.op}`);
    const dIn = rule({ g, node: n, dOut, needs });
    n.inputs.forEach((inp, i) => {
      const d = dIn[i];
      if (inp && needs[i] && d) push(inp, d, `${n.op} input ${i}`);
    });
  }
  const out = new Map<Value, Value>();
  for (const w of wrt) {
    const d = total(w);
    out.set(w, d ?? op.expand(g.scalar(0, w.dtype === 'float64' ? 'float64' : 'float32'), w.shape));
  }
  return out;
}
