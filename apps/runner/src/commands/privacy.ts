import { dpSgdEpsilon, noiseMultiplierFor, INTEGER_ORDERS, DEFAULT_ORDERS, type RdpConversion } from '@netsynth/dp';
import { InvalidArgumentError } from '@netsynth/core';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { parseNonNegativeInt, parsePositiveNumber } from './options.js';

interface PrivacyFlags {
  sampleRate: number;
  noiseMultiplier?: number;
  epsilon?: number;
  steps: number;
  delta: number;
  orders: 'default' | 'integer';
  conversion: RdpConversion;
  json?: boolean;
}

/** The answer printed: what was given and what was computed (ε, or σ for a target ε). */
export interface PrivacyAnswer {
  sampleRate: number;
  steps: number;
  delta: number;
  noiseMultiplier: number;
  epsilon: number;
  /** The RDP order the bound was reached at. */
  order: number;
  orders: 'default' | 'integer';
  conversion: RdpConversion;
}

/** ε of DP-SGD (Poisson sampling rate q, noise multiplier σ, T steps) at δ, or with `epsilon` the σ that meets it. */
export function privacyAnswer(f: Omit<PrivacyFlags, 'json'>): PrivacyAnswer {
  if (!(f.sampleRate > 0 && f.sampleRate <= 1)) throw new InvalidArgumentError(`--sample-rate must lie in (0, 1], got ${f.sampleRate}`);
  if (!(f.delta > 0 && f.delta < 1)) throw new InvalidArgumentError(`--delta must lie in (0, 1), got ${f.delta}`);
  if ((f.noiseMultiplier === undefined) === (f.epsilon === undefined))
    throw new InvalidArgumentError('give exactly one of --noise-multiplier (→ ε) and --epsilon (→ σ)');
  const orders = f.orders === 'integer' ? INTEGER_ORDERS : DEFAULT_ORDERS;
  const base = { sampleRate: f.sampleRate, steps: f.steps, delta: f.delta, orders, conversion: f.conversion };
  const sigma = f.noiseMultiplier ?? noiseMultiplierFor({ ...base, epsilon: f.epsilon as number });
  const spent = dpSgdEpsilon({ ...base, noiseMultiplier: sigma });
  return {
    sampleRate: f.sampleRate,
    steps: f.steps,
    delta: f.delta,
    noiseMultiplier: sigma,
    epsilon: spent.epsilon,
    order: spent.order,
    orders: f.orders,
    conversion: f.conversion,
  };
}

export const privacyCommand: CliCommand = {
  name: 'privacy',
  register(program, env) {
    program
      .command('privacy')
      .description(
        'DP-SGD privacy accounting (RDP of the Poisson-sampled Gaussian mechanism): ε for a noise multiplier, or the noise multiplier for a target ε',
      )
      .requiredOption('--sample-rate <q>', 'Poisson sampling rate: expected batch size / training samples', parsePositiveNumber)
      .option('--noise-multiplier <sigma>', 'noise standard deviation / clipping norm (→ prints ε)', parsePositiveNumber)
      .option('--epsilon <eps>', 'target ε (→ prints the smallest noise multiplier that meets it)', parsePositiveNumber)
      .requiredOption('--steps <T>', 'training steps', parseNonNegativeInt)
      .requiredOption('--delta <d>', 'δ of the (ε, δ) guarantee (below 1 / training samples)', parsePositiveNumber)
      .option('--orders <grid>', "RDP orders: 'default' (fractional 1.1–10.9, 11–63, 128–512) or 'integer' (2–64, 128–512)", 'default')
      .option('--conversion <kind>', "RDP → (ε, δ): 'improved' (Balle et al. 2020) or 'classic' (Mironov 2017)", 'improved')
      .option('--json', 'print the answer as JSON on stdout')
      .action((flags: PrivacyFlags) => {
        if (flags.orders !== 'default' && flags.orders !== 'integer')
          throw new InvalidArgumentError(`--orders must be 'default' or 'integer', got ${String(flags.orders)}`);
        if (flags.conversion !== 'improved' && flags.conversion !== 'classic')
          throw new InvalidArgumentError(`--conversion must be 'improved' or 'classic', got ${String(flags.conversion)}`);
        const a = privacyAnswer(flags);
        if (flags.json) {
          env.io.stdout.write(`${toJson(a)}\n`);
          return;
        }
        env.io.stdout.write(
          `DP-SGD with Poisson sampling rate ${a.sampleRate}, noise multiplier ${a.noiseMultiplier.toPrecision(5)}, ${a.steps} steps:\n` +
            `  (ε, δ) = (${a.epsilon.toPrecision(4)}, ${a.delta})  [RDP order ${a.order}, ${a.orders} orders, ${a.conversion} conversion]\n` +
            '  Protected unit: one training sample (a flow or flow window); k samples of one host get about k·ε.\n',
        );
      });
  },
};
