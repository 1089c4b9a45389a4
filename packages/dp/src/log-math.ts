/**
 * Log-space arithmetic for the accountant: the RDP sums mix terms from e^-700 to e^+700,
 * so every sum is carried as a logarithm.
 */

/** log(e^a + e^b) without overflow. */
export function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === -Infinity) return -Infinity;
  return hi + Math.log1p(Math.exp(lo - hi));
}

/** log(e^a − e^b) for a ≥ b (−∞ when equal). */
export function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (a < b) throw new RangeError(`logSub: log of a negative number (${a} < ${b})`);
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * log(erfc(x)). For x ≥ 0 the Chebyshev-fitted form erfc(x) = t·exp(−x² + P(t)),
 * t = 1/(1 + x/2) (Press et al., Numerical Recipes §6.2, fractional error below 1.2e-7
 * everywhere) gives the logarithm directly, so it stays finite where erfc underflows
 * (x ≳ 27); for x < 0, erfc(x) = 2 − erfc(−x) lies in [1, 2] and needs no care.
 */
export function logErfc(x: number): number {
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  const t = 1 / (1 + 0.5 * x);
  const p =
    -1.26551223 +
    t *
      (1.00002368 +
        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + p;
}
