/**
 * A running RDP account for a training loop: each step adds the SGM's per-step RDP; the
 * trainer asks `wouldExceed` before a step so the budget is never overspent.
 */
import { InvalidArgumentError } from '@netsynth/core';
import { epsilonFromRdp, type PrivacySpent, type RdpConversion } from './epsilon.js';
import { DEFAULT_ORDERS, rdpSampledGaussian } from './rdp.js';

export interface AccountantOptions {
  sampleRate: number;
  noiseMultiplier: number;
  delta: number;
  orders?: readonly number[];
  conversion?: RdpConversion;
}

export class RdpAccountant {
  private readonly orders: readonly number[];
  private readonly perStep: Float64Array;
  private stepsTaken = 0;

  constructor(private readonly o: AccountantOptions) {
    this.orders = o.orders ?? DEFAULT_ORDERS;
    this.perStep = rdpSampledGaussian(o.sampleRate, o.noiseMultiplier, 1, this.orders);
  }

  get steps(): number {
    return this.stepsTaken;
  }

  /** Privacy spent after `steps` steps (default: those taken). */
  spent(steps = this.stepsTaken): PrivacySpent {
    return epsilonFromRdp(
      this.orders,
      this.perStep.map((r) => r * steps),
      this.o.delta,
      this.o.conversion,
    );
  }

  /** Whether `more` further steps would take ε past `budget`. */
  wouldExceed(budget: number, more = 1): boolean {
    return this.spent(this.stepsTaken + more).epsilon > budget;
  }

  /** Records steps taken (on resume: the steps the checkpoint had already spent). */
  record(steps = 1): void {
    if (!Number.isInteger(steps) || steps < 0) throw new InvalidArgumentError(`steps must be an integer ≥ 0, got ${steps}`);
    this.stepsTaken += steps;
  }
}
