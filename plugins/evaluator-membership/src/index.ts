import type { Evaluator } from '@netsynth/core';
import { definePlugin } from '@netsynth/core';
import { evaluatorOf } from '@netsynth/evalkit';
import { evaluateMembership } from './membership.js';
import { membershipOptionsSchema, type MembershipOptions, type MembershipOptionsInput } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { evaluateMembership, type MembershipResult } from './membership.js';
export { rocAuc, rocPoints } from './roc.js';
export { membershipOptionsSchema, type MembershipOptions, type MembershipOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-membership';

export function createMembershipEvaluator(input: MembershipOptionsInput = {}): Evaluator {
  const options: MembershipOptions = membershipOptionsSchema.parse(input);
  return evaluatorOf(EVALUATOR_NAME, (real, synthetic, ctx) => {
    const r = evaluateMembership(real, synthetic, options, ctx?.seed ?? 0);
    if (r.skipped) ctx?.progress.warn(`membership: audit skipped: ${r.skipped}`);
    return { metrics: r.metrics, sections: r.sections };
  });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description: 'Membership-inference audit: attack AUC of telling training from held-out samples through the synthetic data (distance and density attacks)',
  options: membershipOptionsSchema,
  create: (options) => createMembershipEvaluator(options),
});
