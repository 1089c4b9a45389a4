import { ConfigError, deriveSeed, parsePluginOptions, type PluginKind, type RunConfig } from '@netsynth/core';
import type { PluginLoader } from '../plugin-loader.js';
import { evaluatorSeeds } from './evaluator-seeds.js';
import type { PluginUse, ResolvedPlugins } from './state.js';

/** Options as written in the YAML (before defaults), so schema errors point at the user's keys. */
function rawOptionsAt(raw: unknown, path: (string | number)[]): unknown {
  let node: unknown = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * Loads every plugin the config names and validates its options with the plugin's own
 * schema, before any stage runs: a missing package or a wrong option fails in a second,
 * naming its config key.
 */
export async function resolvePlugins(config: RunConfig, raw: unknown, loader: PluginLoader, seed: number): Promise<ResolvedPlugins> {
  const use = async <K extends PluginKind>(kind: K, spec: string, path: (string | number)[], stageSeed: number): Promise<PluginUse<K>> => {
    const configPath = path.join('.');
    const loaded = await loader.load(spec, kind, `${configPath}.plugin`);
    const options = parsePluginOptions(loaded.def, rawOptionsAt(raw, [...path, 'options']), `${configPath}.options`);
    return { configPath, loaded, options, seed: stageSeed };
  };
  const plugins: ResolvedPlugins = { constraints: [], evaluators: [] };
  if (config.encoder) plugins.encoder = await use('encoder', config.encoder.plugin, ['encoder'], deriveSeed(seed, 'encode'));
  if (config.generator) {
    if (!config.encoder) {
      throw new ConfigError('a generator works on encoded samples: add an `encoder:` section (e.g. plugin: "@netsynth/encoder-gasf")', 'generator');
    }
    plugins.generator = await use('generator', config.generator.plugin, ['generator'], deriveSeed(seed, 'train'));
    const extensions: PluginUse<'extension'>[] = [];
    for (const [i, x] of config.generator.extensions.entries()) {
      extensions.push(await use('extension', x.plugin, ['generator', 'extensions', i], deriveSeed(deriveSeed(seed, 'train'), `extension:${i}:${x.plugin}`)));
    }
    if (extensions.length) plugins.extensions = extensions;
  }
  for (const [i, c] of config.constraints.entries()) {
    plugins.constraints.push(await use('constraint', c.plugin, ['constraints', i], deriveSeed(deriveSeed(seed, 'constraints'), `${i}:${c.plugin}`)));
  }
  const evaluators: PluginUse<'evaluator'>[] = [];
  for (const [i, e] of config.evaluators.entries()) evaluators.push(await use('evaluator', e.plugin, ['evaluators', i], 0));
  // Seeded by plugin name, not list position: the other evaluators in a run leave each one's figures alone.
  const seeds = evaluatorSeeds(
    deriveSeed(seed, 'evaluate'),
    evaluators.map((u) => u.loaded.def.name),
  );
  plugins.evaluators = evaluators.map((u, i) => ({ ...u, seed: seeds[i] as number }));
  return plugins;
}
