import type { Evaluator } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { evaluatorOf } from '@netsynth/evalkit';
import type { PrivacyOptions, PrivacyOptionsInput } from './options.js';
import { privacyOptionsSchema } from './options.js';
import { evaluatePrivacy } from './privacy.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { chooseMode, evaluatePrivacy } from './privacy.js';
export type { PrivacyResult } from './privacy.js';
export { imageVector, nearestDistances, seriesVector } from './vectors.js';
export { privacyOptionsSchema } from './options.js';
export type { PrivacyOptions, PrivacyOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-privacy';

export function createPrivacyEvaluator(input: PrivacyOptionsInput = {}): Evaluator {
  const options: PrivacyOptions = privacyOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, (real, synthetic, ctx) => {
    const r = evaluatePrivacy(real, synthetic, options, ctx?.seed ?? 0);
    if (r.reference === 'split') ctx?.progress.warn('privacy: no training set given; the real samples were split in halves to stand in for it');
    return { metrics: r.metrics, sections: r.sections };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description: 'Memorisation: distance of synthetic samples to their nearest training sample vs real held-out samples, share of near-copies',
  options: privacyOptionsSchema,
  create: (options) => createPrivacyEvaluator(options),
});
