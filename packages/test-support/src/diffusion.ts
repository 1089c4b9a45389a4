/**
 * An oracle for diffusion samplers: the exact denoiser of Gaussian data, so a test can run a
 * sampler end to end and check that it returns the data distribution. Shared by the scheduler
 * library's tests and the generators that drive it (guidance, option names). The schedule comes
 * in as its ᾱ(t) function, so this package needs no netsynth package.
 */

/** The model outputs a sampler accepts: the noise ε, or v = √ᾱ·ε − √(1−ᾱ)·x₀. */
export type GaussianPrediction = 'eps' | 'v';

/**
 * The exact denoiser of Gaussian data x₀ ~ N(μ, s²) (independent per value):
 * with x_t = a·x₀ + σ·ε, E[ε | x_t] = σ(x_t − aμ)/(a²s² + σ²) and E[x₀ | x_t] = μ + a s²(x_t − aμ)/(a²s² + σ²).
 * A sampler that integrates the reverse process correctly must return N(μ, s²).
 */
export function gaussianDenoiser(
  alphaBar: (t: number) => number,
  mu: (i: number) => number,
  s: number,
  prediction: GaussianPrediction,
): (x: Float32Array, t: number) => Promise<Float32Array> {
  return async (x, t) => {
    const ab = alphaBar(t);
    const a = Math.sqrt(ab);
    const sig = Math.sqrt(1 - ab);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const m = mu(i);
      const r = ((x[i] as number) - a * m) / (a * a * s * s + sig * sig);
      const eps = sig * r;
      const x0 = m + a * s * s * r;
      out[i] = prediction === 'eps' ? eps : a * eps - sig * x0;
    }
    return out;
  };
}

/** Mean and sample standard deviation (n − 1) of the values. */
export function sampleStats(x: Float32Array): { mean: number; std: number } {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1);
  return { mean, std: Math.sqrt(v) };
}
