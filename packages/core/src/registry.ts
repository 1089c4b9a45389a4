import { PluginLoadError } from './errors.js';
import type { AnyPluginDefinition, PluginDefinition, PluginKind } from './plugin.js';
import { isPluginDefinition } from './plugin.js';
import type { z } from 'zod';

/** Plugins known to a run, by name. The runner fills it from packages and local paths. */
export class PluginRegistry {
  private readonly byName = new Map<string, { def: AnyPluginDefinition; source: string }>();

  register(def: AnyPluginDefinition, source = def.name): void {
    if (!isPluginDefinition(def)) {
      throw new PluginLoadError(source, 'is not a plugin definition (export one made with definePlugin)');
    }
    const existing = this.byName.get(def.name);
    if (existing && existing.source !== source) {
      throw new PluginLoadError(def.name, `registered twice (from ${existing.source} and ${source})`);
    }
    this.byName.set(def.name, { def, source });
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get<K extends PluginKind>(name: string, kind?: K): PluginDefinition<K, z.ZodType> {
    const entry = this.byName.get(name);
    if (!entry) throw new PluginLoadError(name, `is not registered; known: ${[...this.byName.keys()].join(', ') || 'none'}`);
    if (kind && entry.def.kind !== kind) {
      throw new PluginLoadError(name, `is a ${entry.def.kind} plugin, but a ${kind} is needed here`);
    }
    return entry.def as unknown as PluginDefinition<K, z.ZodType>;
  }

  sourceOf(name: string): string | undefined {
    return this.byName.get(name)?.source;
  }

  list(kind?: PluginKind): AnyPluginDefinition[] {
    return [...this.byName.values()].map((e) => e.def).filter((d) => !kind || d.kind === kind);
  }
}

/**
 * Plugin definitions a module exports: its default export, a `plugin` export, or a
 * `plugins` array. Anything else is a load error naming the module.
 */
export function pluginsFromModule(mod: Record<string, unknown>, specifier: string): AnyPluginDefinition[] {
  const candidates: unknown[] = [];
  for (const key of ['default', 'plugin']) if (key in mod) candidates.push(mod[key]);
  if (Array.isArray(mod['plugins'])) candidates.push(...(mod['plugins'] as unknown[]));
  const defaultExport = mod['default'] as Record<string, unknown> | undefined;
  if (defaultExport && Array.isArray(defaultExport['plugins'])) candidates.push(...(defaultExport['plugins'] as unknown[]));
  const found = candidates.filter(isPluginDefinition);
  if (found.length === 0) {
    throw new PluginLoadError(specifier, 'exports no plugin definition (default export, `plugin` or `plugins`)');
  }
  return [...new Set(found)];
}
