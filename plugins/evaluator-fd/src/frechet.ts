import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { InvalidArgumentError } from '@netsynth/core';

/** Mean vector and covariance (unbiased, n − 1, as NumPy's np.cov in the FID code) of feature rows. */
export interface GaussianStats {
  mean: Float64Array;
  cov: Matrix;
  n: number;
}

export function gaussianStats(rows: readonly Float64Array[]): GaussianStats {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  if (n < 2) throw new InvalidArgumentError(`Fréchet distance needs at least 2 feature vectors per side, got ${n}`);
  const mean = new Float64Array(d);
  for (const r of rows) {
    if (r.length !== d) throw new InvalidArgumentError(`feature vectors differ in length (${r.length} vs ${d})`);
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / n;
  }
  const centred = new Matrix(n, d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) centred.set(i, j, (r[j] as number) - (mean[j] as number));
  });
  const cov = centred
    .transpose()
    .mmul(centred)
    .div(n - 1);
  return { mean, cov, n };
}

/** Square root of a symmetric positive semi-definite matrix by eigen-decomposition (negative eigenvalues from rounding clamp to 0). */
export function sqrtPsd(m: Matrix): Matrix {
  const sym = m.clone().add(m.transpose()).div(2); // ml-matrix arithmetic works in place
  const evd = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  const V = evd.eigenvectorMatrix;
  const root = evd.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  // mulRowVector scales in place: scale a copy so V itself stays for the transpose.
  return V.clone().mulRowVector(root).mmul(V.transpose());
}

/**
 * Fréchet distance between two Gaussians (Heusel et al., the FID formula):
 * ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^{1/2}), with tr((Σ₁Σ₂)^{1/2}) computed as
 * tr((Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}), a symmetric PSD square root (same eigenvalues, stable).
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.mean.length !== b.mean.length) throw new InvalidArgumentError(`feature sizes differ: ${a.mean.length} vs ${b.mean.length}`);
  let meanTerm = 0;
  for (let j = 0; j < a.mean.length; j++) meanTerm += ((a.mean[j] as number) - (b.mean[j] as number)) ** 2;
  const rootA = sqrtPsd(a.cov);
  const cross = sqrtPsd(rootA.mmul(b.cov).mmul(rootA));
  const fd = meanTerm + a.cov.trace() + b.cov.trace() - 2 * cross.trace();
  // Rounding can leave a tiny negative value for identical inputs.
  return Math.max(0, fd);
}
