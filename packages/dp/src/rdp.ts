/**
 * Rényi differential privacy of the sampled Gaussian mechanism (SGM): each record joins the
 * batch independently with probability q (Poisson sampling), the summed per-record
 * contributions (L2 norm ≤ C) get N(0, σ²C²) noise. Mironov, Talwar & Zhang, "Rényi
 * Differential Privacy of the Sampled Gaussian Mechanism" (2019): the RDP of order α is
 * log(A_α)/(α − 1), with A_α computed exactly for integer α (§3.3, a finite binomial sum) and
 * by the series of §3.4 for fractional α. Composition over T steps multiplies by T.
 */
import { InvalidArgumentError } from '@netsynth/core';
import { logAdd, logErfc, logSub } from './log-math.js';

/** Integer orders 2…64 plus 128, 256, 512 (what "integer orders" means in the tests and the CLI). */
export const INTEGER_ORDERS: readonly number[] = Object.freeze([...Array.from({ length: 63 }, (_, i) => i + 2), 128, 256, 512]);

/**
 * The default grid: 1.1 … 10.9 in steps of 0.1, then 11 … 63, then 128, 256, 512 (Opacus's
 * grid with TF-Privacy's large orders): fractional orders matter for small ε, large ones
 * for small q·T.
 */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => Math.round((1.1 + i * 0.1) * 10) / 10),
  ...Array.from({ length: 53 }, (_, i) => i + 11),
  128,
  256,
  512,
]);

/** log A_α for integer α: Σ_k C(α,k) q^k (1−q)^(α−k) exp((k² − k) / 2σ²). */
function logAInt(q: number, sigma: number, alpha: number): number {
  let acc = -Infinity;
  let logBinom = 0;
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinom += Math.log(alpha - k + 1) - Math.log(k);
    const term = logBinom + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * sigma * sigma);
    acc = logAdd(acc, term);
  }
  return acc;
}

/**
 * log A_α for fractional α: two series over k = 0, 1, … (both tails of the mixture split at
 * z₀ = σ² log(1/q − 1) + 1/2), with the generalised binomial C(α,k) whose sign alternates
 * once k > α; summed until both terms fall below e^-30 of nothing (they decay like a Gaussian).
 */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let pos0 = -Infinity;
  let pos1 = -Infinity;
  let neg0 = -Infinity;
  let neg1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const s2 = Math.SQRT2 * sigma;
  let logAbsBinom = 0;
  let sign = 1;
  for (let k = 0; k < 100_000; k++) {
    if (k > 0) {
      const f = (alpha - k + 1) / k;
      logAbsBinom += Math.log(Math.abs(f));
      if (f < 0) sign = -sign;
    }
    const j = alpha - k;
    const t0 = logAbsBinom + k * Math.log(q) + j * Math.log1p(-q);
    const t1 = logAbsBinom + j * Math.log(q) + k * Math.log1p(-q);
    const s0 = t0 + (k * k - k) / (2 * sigma * sigma) + Math.log(0.5) + logErfc((k - z0) / s2);
    const s1 = t1 + (j * j - j) / (2 * sigma * sigma) + Math.log(0.5) + logErfc((z0 - j) / s2);
    if (sign > 0) {
      pos0 = logAdd(pos0, s0);
      pos1 = logAdd(pos1, s1);
    } else {
      neg0 = logAdd(neg0, s0);
      neg1 = logAdd(neg1, s1);
    }
    if (Math.max(s0, s1) < -30 && k > alpha) break;
  }
  return logAdd(logSub(pos0, neg0), logSub(pos1, neg1));
}

function checkMechanism(q: number, sigma: number): void {
  if (!(q >= 0 && q <= 1)) throw new InvalidArgumentError(`sample rate must lie in [0, 1], got ${q}`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new InvalidArgumentError(`noise multiplier must be a finite number ≥ 0, got ${sigma}`);
}

/** RDP of one step of the SGM at order α (> 1). */
export function rdpOfOrder(q: number, sigma: number, alpha: number): number {
  checkMechanism(q, sigma);
  if (!(alpha > 1)) throw new InvalidArgumentError(`RDP orders must be > 1, got ${alpha}`);
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  // Without subsampling it is the Gaussian mechanism itself.
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP of `steps` SGM steps at each order (composition adds RDP). */
export function rdpSampledGaussian(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  if (!(steps >= 0) || !Number.isInteger(steps)) throw new InvalidArgumentError(`steps must be an integer ≥ 0, got ${steps}`);
  return Float64Array.from(orders, (a) => steps * rdpOfOrder(q, sigma, a));
}
