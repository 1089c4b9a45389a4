/**
 * One vocabulary of scheduler names (diffusers' schedulers, kebab-cased), and the names the
 * generators used before it, kept as aliases that warn once per process so old configs run.
 */
import { InvalidArgumentError } from '@netsynth/core';

export const SCHEDULER_NAMES = ['ddpm', 'ddim', 'euler-ancestral', 'dpmpp-2m'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** Old name → name in the vocabulary (generator-ddpm's `sampler` values before 0.2). */
export const SCHEDULER_ALIASES = { ancestral: 'ddpm', dpmpp2m: 'dpmpp-2m' } as const satisfies Record<string, SchedulerName>;
export type SchedulerAlias = keyof typeof SCHEDULER_ALIASES;

const warned = new Set<string>();

/**
 * The vocabulary name for `name`; an alias calls `warn` the first time this process sees it.
 * `allowed` narrows to what one generator implements.
 */
export function resolveSchedulerName<T extends SchedulerName>(
  name: string,
  allowed: readonly T[],
  warn: (message: string) => void = (m) => process.emitWarning(m, 'DeprecationWarning'),
): T {
  const alias = (SCHEDULER_ALIASES as Record<string, SchedulerName | undefined>)[name];
  const resolved = alias ?? name;
  if (alias && !warned.has(name)) {
    warned.add(name);
    warn(`scheduler name "${name}" is deprecated: use "${alias}"`);
  }
  if (!(allowed as readonly string[]).includes(resolved)) throw new InvalidArgumentError(`scheduler "${name}" is not available here (${allowed.join(', ')})`);
  return resolved as T;
}
