/**
 * Differentially private training (DP-SGD) for the DDPM: the plan (σ solved from the target ε
 * for the run's sampling rate and steps), Poisson batches, and the facts a run reports.
 *
 * The protected unit is ONE training sample (one encoded flow or flow window): the guarantee
 * bounds what the model reveals about whether any single sample was in the training set.
 * Several samples of one host or one user are several units; a host with k samples gets only
 * the group guarantee (about k·ε), and nothing protects facts shared by many samples.
 */
import { randomBytes } from 'node:crypto';
import { createRng, deriveSeed, type FitPrivacy } from '@netsynth/core';
import { RdpAccountant, noiseMultiplierFor } from '@netsynth/dp';
import type { DdpmOptions } from './options.js';

export interface PrivacyPlan {
  epsilon: number;
  delta: number;
  maxGradNorm: number;
  /** Poisson sampling rate q = batchSize / samples. */
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  expectedBatchSize: number;
  secureRandomness: boolean;
}

/** δ when the options give none: below 1/N as DP requires (0.1/N), at most 1e-5. */
export function defaultDelta(samples: number): number {
  return Math.min(1e-5, 0.1 / samples);
}

export function planPrivacy(o: DdpmOptions, samples: number, steps: number): PrivacyPlan | undefined {
  const p = o.privacy;
  if (!p) return undefined;
  const delta = p.delta ?? defaultDelta(samples);
  const sampleRate = Math.min(1, o.batchSize / samples);
  const noiseMultiplier = noiseMultiplierFor({ sampleRate, steps, delta, epsilon: p.epsilon });
  return {
    epsilon: p.epsilon,
    delta,
    maxGradNorm: p.maxGradNorm,
    sampleRate,
    noiseMultiplier,
    steps,
    expectedBatchSize: sampleRate * samples,
    secureRandomness: p.secureRandomness,
  };
}

export function accountantFor(plan: PrivacyPlan): RdpAccountant {
  return new RdpAccountant({ sampleRate: plan.sampleRate, noiseMultiplier: plan.noiseMultiplier, delta: plan.delta });
}

/**
 * Poisson sampling: each of the N samples joins this step's batch independently with
 * probability q. The accountant's amplification by subsampling assumes nobody can predict
 * the batches, so by default the coin flips are cryptographic; `secureRandomness: false`
 * draws them from (seed, step) for reproducible experiments.
 */
export function poissonBatch(samples: number, plan: PrivacyPlan, seed: number, step: number): number[] {
  const out: number[] = [];
  if (plan.secureRandomness) {
    const bytes = randomBytes(4 * samples);
    for (let i = 0; i < samples; i++) if (bytes.readUInt32LE(4 * i) / 0x100000000 < plan.sampleRate) out.push(i);
    return out;
  }
  const rng = createRng(deriveSeed(seed, `ddpm:poisson:${step}`));
  for (let i = 0; i < samples; i++) if (rng.next() < plan.sampleRate) out.push(i);
  return out;
}

/** What the run reports (manifest, metrics.json's dp.epsilon / dp.delta, the model config). */
export function privacyFacts(plan: PrivacyPlan, acc: RdpAccountant): FitPrivacy {
  const spent = acc.spent();
  return {
    epsilon: spent.epsilon,
    delta: plan.delta,
    targetEpsilon: plan.epsilon,
    noiseMultiplier: plan.noiseMultiplier,
    maxGradNorm: plan.maxGradNorm,
    sampleRate: plan.sampleRate,
    steps: acc.steps,
    accountant: 'rdp-sampled-gaussian',
    unit: 'one training sample (an encoded flow or flow window); k samples of one host get about k·ε',
  };
}
