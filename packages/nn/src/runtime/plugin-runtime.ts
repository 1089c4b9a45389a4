import type { RuntimeOptions } from './ort.js';

/** What a plugin knows when it opens a session: the run's providers and where warnings go (core's PluginContext fits). */
export interface ProviderContext {
  executionProviders?: readonly string[];
  progress?: { warn(message: string): void };
}

/**
 * The runtime options of a plugin's sessions: the plugin's own `executionProviders` option
 * when given, else the run's (`runtime.executionProviders`), else CPU. A provider this install
 * cannot load falls back with a warning on the run's progress, so a config written for a GPU
 * machine still runs on a laptop and says so.
 */
/** Warnings already given per progress reporter: one per provider and run, not one per session. */
const given = new WeakMap<object, Set<string>>();

export function pluginRuntime(ctx: ProviderContext | undefined, own?: readonly string[], base: RuntimeOptions = {}): RuntimeOptions {
  const providers = own ?? ctx?.executionProviders;
  const progress = ctx?.progress;
  return {
    ...base,
    ...(providers !== undefined && { executionProviders: [...providers] }),
    ...(progress !== undefined && { onWarning: (m: string) => warnOnce(progress, m) }),
  };
}

function warnOnce(progress: { warn(message: string): void }, message: string): void {
  let seen = given.get(progress);
  if (!seen) given.set(progress, (seen = new Set()));
  if (seen.has(message)) return;
  seen.add(message);
  progress.warn(message);
}
