/**
 * Optimizers, learning-rate schedules, clipping and EMA, built into the training graph.
 * The per-step scalars (learning rate after the schedule, bias corrections) are computed
 * here in double precision and fed as 0-d inputs, so the graph never changes with the step.
 * Update formulas follow torch.optim (Adam/AdamW/SGD) so results are comparable.
 */
import { InvalidArgumentError } from '@netsynth/core';
import type { Graph, Value } from '../graph/ir.js';
import * as op from '../graph/ops.js';

export type OptimizerConfig =
  | { kind: 'sgd'; lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }
  | { kind: 'adam'; lr: number; betas?: readonly [number, number]; eps?: number; weightDecay?: number }
  | { kind: 'adamw'; lr: number; betas?: readonly [number, number]; eps?: number; weightDecay?: number };

export const sgd = (o: Omit<Extract<OptimizerConfig, { kind: 'sgd' }>, 'kind'>): OptimizerConfig => ({ kind: 'sgd', ...o });
export const adam = (o: Omit<Extract<OptimizerConfig, { kind: 'adam' }>, 'kind'>): OptimizerConfig => ({ kind: 'adam', ...o });
export const adamw = (o: Omit<Extract<OptimizerConfig, { kind: 'adamw' }>, 'kind'>): OptimizerConfig => ({ kind: 'adamw', ...o });

export interface ScheduleConfig {
  /** Linear warm-up from 0 over this many steps. */
  warmupSteps?: number;
  /** 'cosine' decays to minLr at totalSteps; 'constant' keeps the base rate. */
  decay?: 'constant' | 'cosine';
  totalSteps?: number;
  /** Floor of the cosine decay as a fraction of the base rate (default 0). */
  minLrRatio?: number;
}

/** Learning rate for update number `step` (1-based). */
export function learningRateAt(base: number, step: number, s: ScheduleConfig = {}): number {
  const warm = s.warmupSteps ?? 0;
  if (warm > 0 && step <= warm) return (base * step) / warm;
  if ((s.decay ?? 'constant') === 'constant') return base;
  const total = s.totalSteps;
  if (total === undefined || total <= warm) throw new InvalidArgumentError('a cosine schedule needs totalSteps greater than warmupSteps');
  const progress = Math.min(1, (step - warm) / (total - warm));
  const floor = s.minLrRatio ?? 0;
  return base * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** Names of the per-parameter state buffers an optimizer keeps. */
export function stateNames(o: OptimizerConfig): string[] {
  if (o.kind === 'sgd') return (o.momentum ?? 0) > 0 ? ['momentum'] : [];
  return ['m', 'v'];
}

export interface UpdateGraph {
  /** Scalar inputs by name; values per step from `stepScalars`. */
  scalars: Map<string, Value>;
  newParams: Value;
  newState: Map<string, Value>;
  gradNorm: Value;
}

/** Appends clipping and the optimizer update of the flat vectors to the graph. */
export function buildUpdate(g: Graph, o: OptimizerConfig, params: Value, grad: Value, state: Map<string, Value>, clip?: number): UpdateGraph {
  const scalars = new Map<string, Value>();
  const scalar = (name: string): Value => {
    const v = g.input(name, []);
    scalars.set(name, v);
    return v;
  };
  const gradNorm = op.sqrt(op.reduceSumAll(op.mul(grad, grad)));
  let gr = grad;
  if (clip !== undefined) gr = op.mul(gr, op.min(op.div(clip, op.add(gradNorm, 1e-6)), 1));
  const newState = new Map<string, Value>();
  const wd = o.weightDecay ?? (o.kind === 'adamw' ? 0.01 : 0);
  if (o.kind === 'sgd') {
    const lr = scalar('lr');
    if (wd) gr = op.add(gr, op.mul(params, wd));
    const mu = o.momentum ?? 0;
    if (mu > 0) {
      const buf = op.add(op.mul(state.get('momentum') as Value, mu), op.mul(gr, 1 - (o.dampening ?? 0)));
      newState.set('momentum', buf);
      gr = o.nesterov ? op.add(gr, op.mul(buf, mu)) : buf;
    }
    return { scalars, newParams: op.sub(params, op.mul(gr, lr)), newState, gradNorm };
  }
  const [b1, b2] = o.betas ?? [0.9, 0.999];
  const eps = o.eps ?? 1e-8;
  const stepSize = scalar('adam_step_size');
  const invSqrtBc2 = scalar('adam_inv_sqrt_bc2');
  let p = params;
  if (o.kind === 'adamw') p = op.mul(params, scalar('weight_decay_factor'));
  else if (wd) gr = op.add(gr, op.mul(params, wd));
  const m = op.add(op.mul(state.get('m') as Value, b1), op.mul(gr, 1 - b1));
  const v = op.add(op.mul(state.get('v') as Value, b2), op.mul(op.mul(gr, gr), 1 - b2));
  newState.set('m', m);
  newState.set('v', v);
  const denom = op.add(op.mul(op.sqrt(v), invSqrtBc2), eps);
  return { scalars, newParams: op.sub(p, op.mul(op.div(m, denom), stepSize)), newState, gradNorm };
}

/** The scalar inputs for update number `step` (1-based). */
export function stepScalars(o: OptimizerConfig, step: number, schedule?: ScheduleConfig): Record<string, number> {
  const lr = learningRateAt(o.lr, step, schedule);
  if (o.kind === 'sgd') return { lr };
  const [b1, b2] = o.betas ?? [0.9, 0.999];
  const out: Record<string, number> = {
    adam_step_size: lr / (1 - b1 ** step),
    adam_inv_sqrt_bc2: 1 / Math.sqrt(1 - b2 ** step),
  };
  if (o.kind === 'adamw') out.weight_decay_factor = 1 - lr * (o.weightDecay ?? 0.01);
  return out;
}
