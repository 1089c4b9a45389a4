/**
 * Networks are trees of Modules. A Module owns named Parameters and child Modules; its
 * dotted path (`down.0.conv1.weight`) comes from the attribute names used with `param()`
 * and `child()`. `forward` does not compute anything: it appends ONNX nodes to the graph of
 * the tracing context, which supplies each parameter as a graph value (a slice of the
 * trainable flat vector, or a constant for frozen/inference graphs).
 */
import { InvalidArgumentError, createRng, deriveSeed, type Rng } from '@netsynth/core';
import type { Graph, Value } from '../graph/ir.js';

export type Init = { kind: 'zeros' } | { kind: 'ones' } | { kind: 'uniform'; bound: number } | { kind: 'normal'; std: number };

export class Parameter {
  /** Current values (row-major), filled by `initParameters` or a checkpoint. */
  data: Float32Array;
  constructor(
    readonly shape: readonly number[],
    readonly init: Init,
  ) {
    this.data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  }
  get size(): number {
    return this.data.length;
  }
}

/** What a forward pass sees while it is traced into a graph. */
export interface TraceContext {
  readonly graph: Graph;
  /** True in the training graph (dropout active). */
  readonly training: boolean;
  /** The graph value standing for a parameter. */
  param(p: Parameter): Value;
  /** A dropout mask input (keep/(1-p) or 0), fed by the trainer each step from the seeded stream. */
  dropoutMask(shape: readonly number[], p: number): Value;
  /**
   * 'torch': lay ops out as the TorchScript exporter writes them (GroupNorm as
   * InstanceNormalization), for files that must look like a PyTorch export. Absent: nn's own
   * (differentiable) forms.
   */
  readonly exportStyle?: 'torch';
}

export abstract class Module {
  private readonly ownParams = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();

  protected param(name: string, shape: readonly number[], init: Init): Parameter {
    if (this.ownParams.has(name) || this.children.has(name)) throw new InvalidArgumentError(`duplicate member name "${name}"`);
    const p = new Parameter(shape, init);
    this.ownParams.set(name, p);
    return p;
  }

  protected child<M extends Module>(name: string, m: M): M {
    if (this.ownParams.has(name) || this.children.has(name)) throw new InvalidArgumentError(`duplicate member name "${name}"`);
    this.children.set(name, m);
    return m;
  }

  /** All parameters with their dotted paths, in registration order (depth first). */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [n, c] of this.children) {
      out.push([prefix + n, c], ...c.namedModules(`${prefix}${n}.`));
    }
    return out;
  }

  parameterCount(): number {
    return this.namedParameters().reduce((a, [, p]) => a + p.size, 0);
  }

  abstract forward(ctx: TraceContext, ...inputs: Value[]): Value;
}

function fill(p: Parameter, rng: Rng): void {
  const d = p.data;
  switch (p.init.kind) {
    case 'zeros':
      d.fill(0);
      break;
    case 'ones':
      d.fill(1);
      break;
    case 'uniform': {
      const b = p.init.bound;
      for (let i = 0; i < d.length; i++) d[i] = (rng.next() * 2 - 1) * b;
      break;
    }
    case 'normal': {
      const s = p.init.std;
      for (let i = 0; i < d.length; i++) d[i] = rng.normal() * s;
      break;
    }
  }
}

/**
 * Deterministic initialisation: each parameter draws from its own stream derived from the
 * seed and its dotted name, so adding a layer does not change the others' initial values.
 */
export function initParameters(model: Module, seed: number): void {
  for (const [name, p] of model.namedParameters()) fill(p, createRng(deriveSeed(seed, `init:${name}`)));
}

/** Parameters by dotted name. */
export function parameterMap(model: Module): Map<string, Parameter> {
  return new Map(model.namedParameters());
}
