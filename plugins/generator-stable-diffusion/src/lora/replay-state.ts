/**
 * What the graph import knows while it replays an ONNX graph: graph values, constants (folded
 * int64 shape logic and initializers; kept out of the graph until an op needs them as data, so
 * shape arithmetic on them can still fold) and symbolic fills (see replay-ops.ts).
 */
import { EngineError } from '@netsynth/core';
import type { ConstData, Graph, Value } from '@netsynth/nn';
import type { NodeProto } from '../onnx/proto.js';
import { materialise, type Fill } from './replay-ops.js';

export interface LoraBranch {
  down: Value;
  up: Value;
  scale: number;
}

export class ReplayState {
  readonly values: Map<string, Value>;
  readonly known: Map<string, ConstData>;
  readonly fills = new Map<string, Fill>();

  constructor(
    readonly g: Graph,
    consts: ReadonlyMap<string, ConstData>,
    inputs: Readonly<Record<string, Value>>,
    readonly branches: ReadonlyMap<string, LoraBranch>,
  ) {
    this.values = new Map(Object.entries(inputs));
    this.known = new Map(consts);
  }

  /** The graph value of `name`: computed, a materialised fill, or a constant entering the graph now. */
  get(name: string, node: NodeProto): Value {
    const v = this.values.get(name);
    if (v) return v;
    const f = this.fills.get(name);
    if (f) {
      const m = materialise(this.g, f);
      this.values.set(name, m);
      return m;
    }
    const k = this.known.get(name);
    if (!k) throw new EngineError(`graph import: value "${name}" (input of ${node.opType} ${node.name}) is not available`);
    const c = this.g.constant(k, name.replace(/[^A-Za-z0-9_.]/g, '_'));
    this.values.set(name, c);
    return c;
  }

  /** Input `k` of `n` as a graph value. */
  arg(n: NodeProto, k: number): Value {
    return this.get(n.input[k] as string, n);
  }

  /** Optional input `k` of `n` (absent or empty name: null). */
  optArg(n: NodeProto, k: number): Value | null {
    const name = n.input[k];
    return name ? this.get(name, n) : null;
  }

  /** A constant not yet turned into a graph value (so it can still be folded). */
  isKnown(name: string | undefined): name is string {
    return name !== undefined && name !== '' && this.known.has(name) && !this.values.has(name);
  }

  /** Input `name` of `node`, which the import needs as a constant (shapes, axes, indices). */
  need(name: string | undefined, node: NodeProto, what: string): ConstData {
    const k = name ? this.known.get(name) : undefined;
    if (!k) throw new EngineError(`graph import: ${node.opType} ${node.name}: ${what} must be a constant`);
    return k;
  }

  set(n: NodeProto, v: Value, k = 0): void {
    this.values.set(n.output[k] as string, v);
  }

  setKnown(n: NodeProto, c: ConstData, k = 0): void {
    this.known.set(n.output[k] as string, c);
  }
}
