/**
 * The symbolic graph the engine builds before it becomes ONNX: values with static shapes
 * and nodes in topological order (every node is appended after its inputs exist). Static
 * shapes let autodiff know broadcast axes and let layers check their inputs early.
 */
import { EngineError } from '@netsynth/core';

export type DType = 'float32' | 'int64' | 'bool' | 'float64' | 'int32';

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: ConstData };

export interface ConstData {
  dtype: DType;
  shape: readonly number[];
  data: Float32Array | BigInt64Array | Uint8Array | Float64Array | Int32Array;
}

export class Value {
  constructor(
    readonly id: number,
    readonly graph: Graph,
    readonly shape: readonly number[],
    readonly dtype: DType,
    public name: string,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export interface Node {
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export interface Initializer {
  value: Value;
  data: ConstData;
}

/**
 * A group of nodes differentiated as one unit by a hand-derived rule (e.g. GroupNorm+affine
 * or SiLU), which needs fewer full-tensor passes than the chain rule over its parts.
 */
export interface Region {
  start: number;
  end: number;
  inputs: readonly Value[];
  output: Value;
  grad: (dOut: Value, needs: readonly boolean[]) => (Value | null)[];
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly regions: Region[] = [];
  readonly inputs: Value[] = [];
  readonly initializers: Initializer[] = [];
  private nextId = 0;
  private readonly names = new Set<string>();
  /** Constants already emitted, keyed by content, so repeated scalars share one initializer. */
  private readonly constCache = new Map<string, Value>();

  private uniqueName(base: string): string {
    let name = base;
    let i = 1;
    while (this.names.has(name)) name = `${base}_${i++}`;
    this.names.add(name);
    return name;
  }

  newValue(shape: readonly number[], dtype: DType, name = 'v'): Value {
    return new Value(this.nextId++, this, [...shape], dtype, this.uniqueName(name));
  }

  input(name: string, shape: readonly number[], dtype: DType = 'float32'): Value {
    if (this.names.has(name)) throw new EngineError(`graph input name "${name}" is already used`);
    const v = this.newValue(shape, dtype, name);
    this.inputs.push(v);
    return v;
  }

  constant(data: ConstData, name = 'const'): Value {
    const key = data.data.length <= 16 ? `${data.dtype}|${data.shape.join(',')}|${Array.from(data.data as ArrayLike<number | bigint>).join(',')}` : undefined;
    if (key !== undefined) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const v = this.newValue(data.shape, data.dtype, name);
    this.initializers.push({ value: v, data });
    if (key !== undefined) this.constCache.set(key, v);
    return v;
  }

  scalar(x: number, dtype: 'float32' | 'float64' = 'float32'): Value {
    return this.constant({ dtype, shape: [], data: dtype === 'float32' ? Float32Array.of(x) : Float64Array.of(x) }, 'c');
  }

  ints(xs: readonly number[]): Value {
    return this.constant({ dtype: 'int64', shape: [xs.length], data: BigInt64Array.from(xs.map((x) => BigInt(x))) }, 'shape');
  }

  floats(xs: ArrayLike<number>, shape: readonly number[]): Value {
    return this.constant({ dtype: 'float32', shape, data: Float32Array.from(xs as ArrayLike<number>) }, 'w');
  }

  add(
    op: string,
    inputs: readonly (Value | null)[],
    outShapes: readonly (readonly number[])[],
    attrs: Record<string, AttrValue> = {},
    opts: { domain?: string; dtypes?: DType[]; name?: string } = {},
  ): Value[] {
    for (const i of inputs) if (i && i.graph !== this) throw new EngineError(`value ${i.name} belongs to another graph`);
    const outputs = outShapes.map((s, k) => this.newValue(s, opts.dtypes?.[k] ?? inputs.find((x) => x)?.dtype ?? 'float32', opts.name ?? op.toLowerCase()));
    this.nodes.push({ op, domain: opts.domain ?? '', inputs, outputs, attrs });
    return outputs;
  }

  /** Builds `body` as a region with a custom gradient rule over `inputs`. */
  region(inputs: readonly Value[], body: () => Value, grad: Region['grad']): Value {
    const start = this.nodes.length;
    const output = body();
    const end = this.nodes.length;
    if (end > start && this.nodes[end - 1]?.outputs.includes(output)) this.regions.push({ start, end, inputs, output, grad });
    return output;
  }

  /** Adds a node with one output; the common case. */
  add1(
    op: string,
    inputs: readonly (Value | null)[],
    outShape: readonly number[],
    attrs: Record<string, AttrValue> = {},
    opts: { domain?: string; dtype?: DType; name?: string } = {},
  ): Value {
    const o = this.add(op, inputs, [outShape], attrs, {
      ...(opts.domain !== undefined && { domain: opts.domain }),
      ...(opts.dtype && { dtypes: [opts.dtype] }),
      ...(opts.name !== undefined && { name: opts.name }),
    });
    return o[0] as Value;
  }
}

/** Renames a value (used to give graph outputs their public names). */
export function renameValue(g: Graph, v: Value, name: string): void {
  const names = (g as unknown as { names: Set<string> }).names;
  if (v.name === name) return;
  if (names.has(name)) throw new EngineError(`value name "${name}" is already used`);
  names.delete(v.name);
  names.add(name);
  v.name = name;
}
