/**
 * From RDP to (ε, δ)-DP, DP-SGD's ε for (q, σ, T, δ), and its inverse (the σ for a target ε).
 */
import { InvalidArgumentError } from '@netsynth/core';
import { DEFAULT_ORDERS, rdpSampledGaussian } from './rdp.js';

/**
 * 'improved': ε = rdp + log((α−1)/α) − (log δ + log α)/(α−1) (Balle et al. 2020, Prop. 12;
 * what Opacus and TF-Privacy use today). 'classic': ε = rdp + log(1/δ)/(α−1) (Mironov 2017,
 * Prop. 3; what the published DP-SGD tables of 2018–2019 were computed with). Both are valid
 * bounds; the improved one is never larger.
 */
export type RdpConversion = 'improved' | 'classic';

export interface PrivacySpent {
  epsilon: number;
  delta: number;
  /** The order the minimum was reached at (at the grid's edge: widen the grid). */
  order: number;
}

export function epsilonFromRdp(orders: readonly number[], rdp: ArrayLike<number>, delta: number, conversion: RdpConversion = 'improved'): PrivacySpent {
  if (!(delta > 0 && delta < 1)) throw new InvalidArgumentError(`delta must lie in (0, 1), got ${delta}`);
  if (orders.length !== rdp.length || orders.length === 0) throw new InvalidArgumentError(`${orders.length} orders but ${rdp.length} RDP values`);
  let best: PrivacySpent = { epsilon: Infinity, delta, order: orders[0] as number };
  orders.forEach((a, i) => {
    const r = rdp[i] as number;
    const eps = conversion === 'classic' ? r + Math.log(1 / delta) / (a - 1) : r + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), delta, order: a };
  });
  return best;
}

export interface DpSgdParameters {
  /** Poisson sampling rate q: each record joins each batch independently with this probability. */
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  delta: number;
  orders?: readonly number[];
  conversion?: RdpConversion;
}

/** (ε, δ) of DP-SGD with Poisson sampling after `steps` steps. */
export function dpSgdEpsilon(p: DpSgdParameters): PrivacySpent {
  const orders = p.orders ?? DEFAULT_ORDERS;
  return epsilonFromRdp(orders, rdpSampledGaussian(p.sampleRate, p.noiseMultiplier, p.steps, orders), p.delta, p.conversion);
}

export interface NoiseSearch extends Omit<DpSgdParameters, 'noiseMultiplier'> {
  /** The ε the training may spend. */
  epsilon: number;
  /** Relative precision of σ (default 1e-4). */
  tolerance?: number;
}

/**
 * The smallest σ (to `tolerance`) whose ε after `steps` steps is at most `epsilon`: ε falls
 * as σ grows, so a doubling bracket then bisection. The σ returned always meets the target
 * (the upper end of the final bracket).
 */
export function noiseMultiplierFor(p: NoiseSearch): number {
  if (!(p.epsilon > 0) || !Number.isFinite(p.epsilon)) throw new InvalidArgumentError(`target epsilon must be a finite number > 0, got ${p.epsilon}`);
  const eps = (sigma: number): number => dpSgdEpsilon({ ...p, noiseMultiplier: sigma }).epsilon;
  if (p.sampleRate === 0 || p.steps === 0) return 0;
  let hi = 1;
  while (eps(hi) > p.epsilon) {
    hi *= 2;
    if (hi > 1e6)
      throw new InvalidArgumentError(`no noise multiplier up to 1e6 reaches ε = ${p.epsilon} (q = ${p.sampleRate}, ${p.steps} steps, δ = ${p.delta})`);
  }
  let lo = hi === 1 ? 0 : hi / 2;
  const tol = p.tolerance ?? 1e-4;
  while (hi - lo > tol * hi) {
    const mid = (lo + hi) / 2;
    if (eps(mid) > p.epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
