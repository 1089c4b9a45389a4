import { deriveSeed } from '@netsynth/core';

/**
 * Seed of each evaluator in a list, from `base`: keyed by the plugin's name and how many
 * entries of the same plugin come before it, never by its position in the list. Seeded
 * figures (downstream's random forest bootstraps and MLP batches, seeded splits) then stay
 * the same when other evaluators are added, removed or reordered; a second entry of one
 * plugin (other options) still gets a seed of its own.
 */
export function evaluatorSeeds(base: number, names: readonly string[]): number[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return deriveSeed(base, k === 0 ? name : `${name}#${k}`);
  });
}
