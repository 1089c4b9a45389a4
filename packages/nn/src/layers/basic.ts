/** Parameterised layers: Linear, convolutions, normalisations, embedding, and shape-only layers. */
import { InvalidArgumentError } from '@netsynth/core';
import type { Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';
import { gelu, silu } from './functional.js';
import { Module, type Parameter, type TraceContext } from './module.js';

function uniformInit(fanIn: number): { kind: 'uniform'; bound: number } {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

/** y = x·Wᵀ + b over the last axis; weight [out, in] as in PyTorch. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.param('weight', [outFeatures, inFeatures], uniformInit(inFeatures));
    this.bias = opts.bias === false ? undefined : this.param('bias', [outFeatures], uniformInit(inFeatures));
  }
  forward(ctx: TraceContext, x: Value): Value {
    if (x.shape[x.rank - 1] !== this.inFeatures) throw new InvalidArgumentError(`Linear expects last axis ${this.inFeatures}, got [${x.shape.join(',')}]`);
    const x2 = x.rank === 2 ? x : op.reshape(x, [-1, this.inFeatures]);
    const y = op.gemm(x2, ctx.param(this.weight), this.bias ? ctx.param(this.bias) : null, { transB: true });
    return x.rank === 2 ? y : op.reshape(y, [-1, ...x.shape.slice(1, -1), this.outFeatures]);
  }
}

export interface ConvOptions {
  stride?: number;
  padding?: number;
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  constructor(
    readonly dims: number,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    readonly opts: ConvOptions,
  ) {
    super();
    const groups = opts.groups ?? 1;
    if (inChannels % groups || outChannels % groups) throw new InvalidArgumentError(`channels ${inChannels}→${outChannels} not divisible by groups ${groups}`);
    const fanIn = (inChannels / groups) * kernel ** dims;
    this.weight = this.param('weight', [outChannels, inChannels / groups, ...new Array<number>(dims).fill(kernel)], uniformInit(fanIn));
    this.bias = opts.bias === false ? undefined : this.param('bias', [outChannels], uniformInit(fanIn));
  }
  forward(ctx: TraceContext, x: Value): Value {
    if (x.rank !== this.dims + 2 || x.shape[1] !== this.inChannels)
      throw new InvalidArgumentError(`Conv${this.dims}d expects [N,${this.inChannels},…] got [${x.shape.join(',')}]`);
    const p = this.opts.padding ?? 0;
    const s = this.opts.stride ?? 1;
    return op.conv(x, ctx.param(this.weight), this.bias ? ctx.param(this.bias) : null, {
      strides: new Array<number>(this.dims).fill(s),
      pads: new Array<number>(2 * this.dims).fill(p),
      group: this.opts.groups ?? 1,
    });
  }
}

export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernel: number, opts: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernel, opts);
  }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernel: number, opts: ConvOptions = {}) {
    super(1, inChannels, outChannels, kernel, opts);
  }
}

/**
 * GroupNorm over [N, C, …]: the input is viewed as [N, G, C/G·…] and normalised with
 * onnxruntime's LayerNormalization kernel (unit scale), then scaled per channel.
 */
export class GroupNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    if (channels % groups) throw new InvalidArgumentError(`GroupNorm: ${channels} channels not divisible into ${groups} groups`);
    this.weight = this.param('weight', [channels], { kind: 'ones' });
    this.bias = this.param('bias', [channels], { kind: 'zeros' });
  }
  forward(ctx: TraceContext, x: Value): Value {
    if (x.shape[1] !== this.channels) throw new InvalidArgumentError(`GroupNorm expects ${this.channels} channels, got [${x.shape.join(',')}]`);
    if (ctx.exportStyle === 'torch') return torchGroupNorm(x, ctx.param(this.weight), ctx.param(this.bias), this.groups, this.eps);
    return groupNorm(x, ctx.param(this.weight), ctx.param(this.bias), this.groups, this.eps);
  }
}

/**
 * GroupNorm as the TorchScript exporter writes torch.nn.GroupNorm — Reshape to [N, G, −1] →
 * InstanceNormalization (unit scale) → Reshape back → per-channel Mul, Add — so a traced
 * Stable Diffusion file looks like a real export and keeps a dynamic batch axis. Same values
 * as groupNorm; not differentiable here (nn has no InstanceNormalization gradient).
 */
function torchGroupNorm(x: Value, gamma: Value, beta: Value, groups: number, eps: number): Value {
  const g = x.graph;
  const xg = op.reshape(x, [0, groups, -1]);
  const n = g.add1(
    'InstanceNormalization',
    [xg, g.floats(new Float32Array(groups).fill(1), [groups]), g.floats(new Float32Array(groups), [groups])],
    xg.shape,
    {
      epsilon: { float: eps },
    },
  );
  const shape = [x.shape[1] as number, ...new Array<number>(x.rank - 2).fill(1)];
  const y = op.reshape(n, [0, ...x.shape.slice(1)]);
  return op.add(op.mul(y, op.reshape(gamma, shape)), op.reshape(beta, shape));
}

/**
 * GroupNorm with a hand-derived backward. Forward, over the [N, G, C/G·…] view: μ by one
 * reduction, the centred d = x − μ (one pass, kept for backward), σ² = mean(d²), and the
 * scale-and-shift in ONE pass: BatchNormalization over the [1, N·C, …] view of d with a
 * per-(n, c) scale γ·σ⁻¹ and shift β (mean 0, variance 1, ε 0). With S1 = Σ_hw dy and
 * Sd = Σ_hw dy·d per (n, c), S2 = Σ_hw dy·x̂ = σ⁻¹·Sd:
 *   dβ = Σ_n S1, dγ = Σ_n S2,
 *   dx = σ⁻¹·(γ·dy − m1 − x̂·m2), m1 = mean_g(γ·S1), m2 = mean_g(γ·S2)
 *      = dy·(γσ⁻¹) + d·(−σ⁻²·m2) + (−σ⁻¹·m1)
 * i.e. two reductions, one product and one fused Sum over the full tensor in backward.
 * Two-pass (centred) statistics on purpose: the one-pass E[x²] − μ² form (and a backward
 * from the raw x) was one full pass cheaper but lost float32 precision with the inputs'
 * offset: |y error| 4e-3 at |μ|/σ = 100 and 0.5 at 1000, against 8e-6 / 7e-5 for
 * onnxruntime's LayerNormalization and 2e-5 / 3e-4 here (tested). LayerNormalization itself
 * was the slowest part (5.1 ms vs 0.35 ms for the mean at 32×8×12288) and a batched-dot
 * Σ dy·x̂ cost 5.9 vs 1.5 ms for Mul + ReduceSum at 32×96×32×32; see README.
 */
export function groupNorm(x: Value, gamma: Value, beta: Value, groups: number, eps: number): Value {
  const g = x.graph;
  const [n, c] = x.shape as [number, number];
  const cg = c / groups;
  const count = x.size / (n * groups);
  const rest = x.shape.slice(2);
  let centred: Value | undefined;
  let invstd: Value | undefined;
  return g.region(
    [x, gamma, beta],
    () => {
      // Reshapes use 0 / −1 for the batch axis so exported models keep a dynamic batch.
      const xg = op.reshape(x, [0, groups, -1]);
      const d = op.sub(xg, op.reduceMean(xg, [2], true)); // [n, groups, count]
      const inv = op.reciprocal(op.sqrt(op.add(op.reduceMean(op.mul(d, d), [2], true), eps))); // [n, groups, 1]
      centred = d;
      invstd = inv;
      const flatScale = op.reshape(op.mul(op.reshape(gamma, [1, groups, cg]), inv), [-1]); // n·c
      // BatchNormalization's bias / mean 0 / variance 1 inputs, sized N·C at run time (no batch-sized constants).
      const zeros = op.mul(flatScale, 0);
      const ones = op.add(zeros, 1);
      const flatShift = op.reshape(op.add(op.reshape(zeros, [-1, c]), op.reshape(beta, [1, c])), [-1]);
      const y = g.add1('BatchNormalization', [op.reshape(d, [1, -1, ...rest]), flatScale, flatShift, zeros, ones], [1, n * c, ...rest], {
        epsilon: { float: 0 },
      });
      return op.reshape(y, [-1, c, ...rest]);
    },
    (dy, needs) => {
      const d = op.reshape(centred as Value, x.shape);
      const inv = invstd as Value; // [n, groups, 1]
      const spatial = x.shape.map((_, i) => i).filter((i) => i >= 2);
      const grouped = (v: Value): Value => op.reshape(v, [n, groups, cg]);
      const s1 = grouped(op.reduceSum(dy, spatial, false));
      const s2 = op.mul(grouped(op.reduceSum(op.mul(dy, d), spatial, false)), inv); // [n, groups, cg]
      const res: (Value | null)[] = [null, null, null];
      if (needs[1]) res[1] = op.reshape(op.reduceSum(s2, [0], false), [c]);
      if (needs[2]) res[2] = op.reshape(op.reduceSum(s1, [0], false), [c]);
      if (needs[0]) {
        const gam = op.reshape(gamma, [1, groups, cg]);
        const m1 = op.mul(op.reduceSum(op.mul(s1, gam), [2], true), 1 / count);
        const m2 = op.mul(op.reduceSum(op.mul(s2, gam), [2], true), 1 / count);
        const perChannel = (v: Value): Value => op.reshape(op.expand(v, [n, groups, cg]), [n, c, ...rest.map(() => 1)]);
        const a = perChannel(op.mul(gam, inv));
        const cd = perChannel(op.neg(op.mul(op.mul(inv, inv), m2)));
        const b = perChannel(op.neg(op.mul(inv, m1)));
        res[0] = g.add1('Sum', [op.mul(dy, a), op.mul(d, cd), b], x.shape);
      }
      return res;
    },
  );
}

/** LayerNorm over the last axis with learned scale and shift. */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.param('weight', [dim], { kind: 'ones' });
    this.bias = this.param('bias', [dim], { kind: 'zeros' });
  }
  forward(ctx: TraceContext, x: Value): Value {
    return op.layerNormalization(x, ctx.param(this.weight), ctx.param(this.bias), -1, this.eps)[0];
  }
}

export class Embedding extends Module {
  readonly weight: Parameter;
  constructor(
    readonly num: number,
    readonly dim: number,
  ) {
    super();
    this.weight = this.param('weight', [num, dim], { kind: 'normal', std: 1 });
  }
  /** ids: int64 tensor of any shape → [...ids, dim]. */
  forward(ctx: TraceContext, ids: Value): Value {
    if (ids.dtype !== 'int64') throw new InvalidArgumentError('Embedding ids must be int64');
    return op.gather(ctx.param(this.weight), ids);
  }
}

export class SiLU extends Module {
  forward(_ctx: TraceContext, x: Value): Value {
    return silu(x);
  }
}

export class GELU extends Module {
  forward(_ctx: TraceContext, x: Value): Value {
    return gelu(x);
  }
}

/** Nearest-neighbour upsampling of the spatial axes by an integer factor. */
export class Upsample extends Module {
  constructor(readonly factor = 2) {
    super();
  }
  forward(_ctx: TraceContext, x: Value): Value {
    return op.resizeNearest(x, this.factor);
  }
}

export class AvgPool2d extends Module {
  constructor(
    readonly kernel: number,
    readonly stride = kernel,
    readonly padding = 0,
  ) {
    super();
  }
  forward(_ctx: TraceContext, x: Value): Value {
    const p = this.padding;
    return op.averagePool(x, [this.kernel, this.kernel], [this.stride, this.stride], [p, p, p, p]);
  }
}

/** Inverted dropout; the mask comes from the trainer's seeded per-step stream, identity at inference. */
export class Dropout extends Module {
  constructor(readonly p: number) {
    super();
    if (!(p >= 0 && p < 1)) throw new InvalidArgumentError(`dropout probability ${p} not in [0, 1)`);
  }
  forward(ctx: TraceContext, x: Value): Value {
    if (!ctx.training || this.p === 0) return x;
    return op.mul(x, ctx.dropoutMask(x.shape, this.p));
  }
}

/** Runs children in order. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(layers: readonly Module[]) {
    super();
    this.layers = layers.map((m, i) => this.child(String(i), m));
  }
  forward(ctx: TraceContext, x: Value): Value {
    return this.layers.reduce((h, m) => m.forward(ctx, h), x);
  }
}

/** x + inner(x). */
export class Residual extends Module {
  readonly inner: Module;
  constructor(inner: Module) {
    super();
    this.inner = this.child('inner', inner);
  }
  forward(ctx: TraceContext, x: Value): Value {
    return op.add(x, this.inner.forward(ctx, x));
  }
}

/**
 * Children under names the owner chooses (`add('resnets', …).add('0', …)`), for module trees
 * that must reproduce another framework's parameter paths (diffusers' `to_out.0`,
 * `down_blocks.0.resnets.0`); the owner decides how to call them.
 */
export class ModuleDict extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.child(name, m);
  }
  forward(): Value {
    throw new InvalidArgumentError('a ModuleDict is not callable; call its children');
  }
}

/** An indexed list of modules (names "0", "1", …) whose owner decides how to call them. */
export class ModuleList extends Module {
  readonly items: Module[];
  constructor(items: readonly Module[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }
  forward(): Value {
    throw new InvalidArgumentError('a ModuleList is not callable; iterate its items');
  }
}
