import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  didYouMean,
  PluginLoadError,
  PluginRegistry,
  pluginsFromModule,
  isNetsynthError,
  type AnyPluginDefinition,
  type PluginDefinition,
  type PluginKind,
} from '@netsynth/core';
import type { z } from 'zod';
import { findPackageDir, readPackageJson, resolvePackageEntry, splitPackageSpecifier } from './package-resolve.js';

/** The runner's own package folder (dist/ and src/ both sit one level below it). */
export const RUNNER_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A spec is a local path when it starts with `.`, `/` or `file:`; anything else is a package name. */
export function isLocalSpec(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:');
}

/**
 * A command-line plugin name: a short name gets the project's package prefix ("nprint" with
 * `encoder` → "@netsynth/encoder-nprint"); package names and local paths stay as they are.
 */
export function shortPluginSpec(family: 'encoder' | 'ruleset' | 'evaluator', name: string): string {
  const n = name.trim();
  if (n.startsWith('@') || isLocalSpec(n) || n.includes('/')) return n;
  return `@netsynth/${family}-${n}`;
}

/** Package names in the same npm scope (or unscoped) installed where a spec was looked up: "did you mean" candidates. */
function installedScopePackages(name: string, fromDirs: readonly string[]): string[] {
  const scope = name.startsWith('@') ? name.split('/')[0] : undefined;
  const found = new Set<string>();
  for (const from of fromDirs) {
    for (let dir = from; ; dir = dirname(dir)) {
      const folder = scope ? join(dir, 'node_modules', scope) : join(dir, 'node_modules');
      if (existsSync(folder)) for (const entry of readdirSync(folder)) if (!entry.startsWith('.')) found.add(scope ? `${scope}/${entry}` : entry);
      if (dirname(dir) === dir) break;
    }
  }
  return [...found];
}

export interface ResolvedPlugin {
  spec: string;
  /** The module file that is imported. */
  file: string;
  packageName?: string;
  packageVersion?: string;
  packageDir?: string;
}

export interface LoadedPlugin<K extends PluginKind = PluginKind> extends ResolvedPlugin {
  def: PluginDefinition<K, z.ZodType>;
}

export interface PluginLoaderOptions {
  /** Folder package names resolve from first, and local paths relative to: the config file's folder. */
  baseDir: string;
  /** Folders package names resolve from next (default: the runner's own folder, whose dependencies are the project's plugins). */
  fallbackDirs?: readonly string[];
  /** Definitions known without loading (tests, programmatic use): a spec equal to their name uses them. */
  preloaded?: readonly AnyPluginDefinition[];
}

function kindArticle(kind: PluginKind): string {
  return kind === 'encoder' || kind === 'evaluator' || kind === 'extension' ? `an ${kind}` : `a ${kind}`;
}

/**
 * Finds, imports and registers plugins named in a config. Package names resolve like
 * Node's `import` (node_modules upwards, package.json "exports" with the import condition)
 * from the config's folder, then from the runner's; local paths resolve relative to the
 * config's folder (a folder with package.json, or a .js/.mjs file).
 */
export class PluginLoader {
  readonly registry = new PluginRegistry();
  private readonly baseDir: string;
  private readonly fallbackDirs: readonly string[];
  private readonly preloaded = new Map<string, AnyPluginDefinition>();
  private readonly modules = new Map<string, Promise<{ resolved: ResolvedPlugin; defs: AnyPluginDefinition[] }>>();

  constructor(options: PluginLoaderOptions) {
    this.baseDir = resolve(options.baseDir);
    this.fallbackDirs = options.fallbackDirs ?? [RUNNER_DIR];
    for (const def of options.preloaded ?? []) {
      this.registry.register(def, `preloaded:${def.name}`);
      this.preloaded.set(def.name, def);
    }
  }

  /** Where a spec's module file is, without importing it. */
  resolve(spec: string, configPath?: string): ResolvedPlugin {
    const details = configPath === undefined ? {} : { configPath };
    if (isLocalSpec(spec)) return this.resolveLocal(spec, details);
    const { name, subpath } = splitPackageSpecifier(spec);
    const searched = [this.baseDir, ...this.fallbackDirs];
    for (const from of searched) {
      const pkgDir = findPackageDir(name, from);
      if (!pkgDir) continue;
      const pkg = readPackageJson(pkgDir) ?? {};
      const file = resolvePackageEntry(pkgDir, pkg, subpath);
      if (!file) throw new PluginLoadError(spec, `package ${name} at ${pkgDir} exports no "${subpath}" entry for import`, details);
      if (!existsSync(file)) {
        throw new PluginLoadError(spec, `package ${name} points at ${file}, which does not exist (is the package built?)`, details);
      }
      return { spec, file, packageName: name, ...(pkg.version !== undefined && { packageVersion: pkg.version }), packageDir: pkgDir };
    }
    const hint = didYouMean(name, installedScopePackages(name, searched));
    throw new PluginLoadError(
      spec,
      `package not found${hint} (looked in node_modules from ${this.baseDir} upwards and beside the netsynth runner); install it with \`npm i ${name}\` in ${this.baseDir}`,
      details,
    );
  }

  private resolveLocal(spec: string, details: { configPath?: string }): ResolvedPlugin {
    let path: string;
    if (spec.startsWith('file://')) path = fileURLToPath(spec);
    else path = resolve(this.baseDir, spec.startsWith('file:') ? spec.slice('file:'.length) : spec);
    if (!existsSync(path)) {
      throw new PluginLoadError(
        spec,
        `no file or folder at ${path} (local plugin paths resolve relative to the config file's folder, ${this.baseDir})`,
        details,
      );
    }
    if (statSync(path).isDirectory()) {
      const pkg = readPackageJson(path);
      const file = pkg ? resolvePackageEntry(path, pkg) : ['index.js', 'index.mjs'].map((f) => resolve(path, f)).find((f) => existsSync(f));
      if (!file || !existsSync(file)) {
        throw new PluginLoadError(
          spec,
          `folder ${path} has no loadable entry (a package.json with "exports" or "main", or an index.js); build it first if it is a TypeScript package`,
          details,
        );
      }
      return {
        spec,
        file,
        packageDir: path,
        ...(pkg?.name !== undefined && { packageName: pkg.name }),
        ...(pkg?.version !== undefined && { packageVersion: pkg.version }),
      };
    }
    return { spec, file: path };
  }

  /** Imports the module a spec names and registers every plugin it exports. */
  loadModule(spec: string, configPath?: string): Promise<{ resolved: ResolvedPlugin; defs: AnyPluginDefinition[] }> {
    const resolved = this.resolve(spec, configPath);
    const cached = this.modules.get(resolved.file);
    if (cached) return cached.then((m) => ({ ...m, resolved: { ...m.resolved, spec } }));
    const loading = this.importModule(resolved, configPath);
    this.modules.set(resolved.file, loading);
    loading.catch(() => this.modules.delete(resolved.file));
    return loading;
  }

  private async importModule(resolved: ResolvedPlugin, configPath?: string): Promise<{ resolved: ResolvedPlugin; defs: AnyPluginDefinition[] }> {
    const details = configPath === undefined ? {} : { configPath };
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(resolved.file).href)) as Record<string, unknown>;
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new PluginLoadError(resolved.spec, `could not be imported from ${resolved.file}: ${why}`, { ...details, cause: e });
    }
    let defs: AnyPluginDefinition[];
    try {
      defs = pluginsFromModule(mod, resolved.spec);
    } catch (e) {
      if (isNetsynthError(e))
        throw new PluginLoadError(
          resolved.spec,
          `${resolved.file} exports no plugin definition (a default export made with definePlugin, a \`plugin\` export or a \`plugins\` array)`,
          details,
        );
      throw e;
    }
    for (const def of defs) {
      try {
        this.registry.register(def, resolved.file);
      } catch (e) {
        if (isNetsynthError(e) && configPath !== undefined) throw new PluginLoadError(def.name, e.message, details);
        throw e;
      }
    }
    return { resolved, defs };
  }

  /**
   * The plugin of `kind` a spec names. A module exporting several plugins: the one whose
   * name equals the spec (or the package name), else the only one of that kind.
   */
  async load<K extends PluginKind>(spec: string, kind: K, configPath?: string): Promise<LoadedPlugin<K>> {
    const details = configPath === undefined ? {} : { configPath };
    const pre = this.preloaded.get(spec);
    if (pre) {
      if (pre.kind !== kind) throw new PluginLoadError(spec, `is ${kindArticle(pre.kind)} plugin, but ${kindArticle(kind)} is needed here`, details);
      return { spec, file: `preloaded:${spec}`, def: pre as unknown as PluginDefinition<K, z.ZodType> };
    }
    const { resolved, defs } = await this.loadModule(spec, configPath);
    const byName = defs.find((d) => d.name === spec || (resolved.packageName !== undefined && d.name === resolved.packageName));
    let chosen: AnyPluginDefinition | undefined;
    if (byName && byName.kind === kind) chosen = byName;
    else {
      const ofKind = defs.filter((d) => d.kind === kind);
      if (ofKind.length === 1) chosen = ofKind[0];
      else if (ofKind.length > 1) {
        throw new PluginLoadError(spec, `exports several ${kind} plugins (${ofKind.map((d) => d.name).join(', ')}); cannot tell which one is meant`, details);
      } else {
        const kinds = defs.map((d) => `${d.name} (${d.kind})`).join(', ');
        throw new PluginLoadError(spec, `is not ${kindArticle(kind)} plugin: it exports ${kinds}, but ${kindArticle(kind)} is needed here`, details);
      }
    }
    if (!chosen) throw new PluginLoadError(spec, `exports no ${kind} plugin`, details);
    return { ...resolved, def: this.registry.get(chosen.name, kind) };
  }
}
