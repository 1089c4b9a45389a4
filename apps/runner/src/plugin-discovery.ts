import { isNetsynthError, type AnyPluginDefinition } from '@netsynth/core';
import { readPackageJson } from './package-resolve.js';
import { PluginLoader, RUNNER_DIR, type ResolvedPlugin } from './plugin-loader.js';

/** Package names that look like netsynth plugins: the project's naming, or the `netsynth-plugin` keyword. */
const PLUGIN_NAME = /^@netsynth\/(encoder|generator|ruleset|evaluator|constraint)-/;

export interface DiscoveredPlugin {
  def: AnyPluginDefinition;
  source: ResolvedPlugin;
}

export interface DiscoveryProblem {
  spec: string;
  message: string;
}

/** The dependencies of the runner that are plugin packages (the ones installed with it). */
export function installedPluginPackages(runnerDir = RUNNER_DIR): string[] {
  const pkg = readPackageJson(runnerDir);
  const names = Object.keys({ ...pkg?.dependencies });
  return names.filter((name) => {
    if (PLUGIN_NAME.test(name)) return true;
    const dep = readPackageJson(`${runnerDir}/node_modules/${name}`);
    return dep?.keywords?.includes('netsynth-plugin') === true;
  });
}

/**
 * Loads every installed plugin package and every extra spec. An installed package that fails
 * to load is reported as a problem (with why), not fatal: the rest are still listed. An extra
 * spec that fails is an error (PluginLoadError).
 */
export async function discoverPlugins(
  extraSpecs: readonly string[],
  baseDir: string,
  runnerDir = RUNNER_DIR,
): Promise<{ plugins: DiscoveredPlugin[]; problems: DiscoveryProblem[] }> {
  const loader = new PluginLoader({ baseDir, fallbackDirs: [runnerDir] });
  const plugins: DiscoveredPlugin[] = [];
  const problems: DiscoveryProblem[] = [];
  const seen = new Set<string>();
  const installed = installedPluginPackages(runnerDir);
  const add = (resolved: ResolvedPlugin, defs: readonly AnyPluginDefinition[]): void => {
    for (const def of defs) {
      if (seen.has(def.name)) continue;
      seen.add(def.name);
      plugins.push({ def, source: resolved });
    }
  };
  for (const spec of installed) {
    try {
      const { resolved, defs } = await loader.loadModule(spec);
      add(resolved, defs);
    } catch (e) {
      if (!isNetsynthError(e)) throw e;
      problems.push({ spec, message: e.message });
    }
  }
  // Specs the user named explicitly: a failure is theirs to fix, so it is an error.
  for (const spec of extraSpecs) {
    const { resolved, defs } = await loader.loadModule(spec);
    add(resolved, defs);
  }
  plugins.sort((a, b) => (a.def.kind === b.def.kind ? a.def.name.localeCompare(b.def.name) : a.def.kind.localeCompare(b.def.kind)));
  return { plugins, problems };
}
