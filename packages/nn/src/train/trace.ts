/**
 * Traces a Module's forward into a Graph. In a training graph the trainable parameters are
 * slices of one flat input vector (so the optimizer updates one buffer with a handful of
 * big elementwise ops instead of hundreds of small ones) and frozen parameters are
 * constants (onnxruntime can pre-pack them); in an inference graph all are constants.
 */
import { EngineError } from '@netsynth/core';
import { Graph, type Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import type { Module, Parameter, TraceContext } from '../layers/module.js';

export interface DropoutSlot {
  input: Value;
  p: number;
}

export interface TraceResult {
  graph: Graph;
  ctx: TraceContext;
  /** Flat trainable vector input (absent when nothing is trainable). */
  flat?: Value;
  /** Per trainable parameter: its value in the graph. */
  trainableValues: Map<Parameter, Value>;
  dropouts: DropoutSlot[];
}

export interface TraceOptions {
  training: boolean;
  /** Parameters sliced from the flat vector, in flat order; all others become constants. */
  trainable: readonly Parameter[];
}

export function traceModel(_model: Module, o: TraceOptions): TraceResult {
  const graph = new Graph();
  const trainableValues = new Map<Parameter, Value>();
  const consts = new Map<Parameter, Value>();
  const dropouts: DropoutSlot[] = [];
  let flat: Value | undefined;
  if (o.trainable.length) {
    const total = o.trainable.reduce((a, p) => a + p.size, 0);
    flat = graph.input('params', [total]);
    const pieces =
      o.trainable.length === 1
        ? [flat]
        : op.split(
            flat,
            o.trainable.map((p) => p.size),
            0,
          );
    o.trainable.forEach((p, i) => trainableValues.set(p, op.reshape(pieces[i] as Value, p.shape)));
  }
  const ctx: TraceContext = {
    graph,
    training: o.training,
    param(p: Parameter): Value {
      const t = trainableValues.get(p);
      if (t) return t;
      let c = consts.get(p);
      if (!c) {
        // A private copy: the constant must not change if the parameter's buffer is updated later.
        c = graph.constant({ dtype: 'float32', shape: p.shape, data: p.data.slice() }, 'param');
        consts.set(p, c);
      }
      return c;
    },
    dropoutMask(shape: readonly number[], p: number): Value {
      if (!o.training) throw new EngineError('dropout masks exist only in training graphs');
      const input = graph.input(`dropout_mask_${dropouts.length}`, shape);
      dropouts.push({ input, p });
      return input;
    },
  };
  return { graph, ctx, ...(flat && { flat }), trainableValues, dropouts };
}
