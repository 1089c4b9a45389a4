import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageDir, readPackageJson } from '../package-resolve.js';
import { RUNNER_DIR } from '../plugin-loader.js';
import { sha256File } from '../hash.js';
import type { OutputDir } from './output-dir.js';
import type { ResolvedPlugins } from './state.js';

export interface OutputFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** Every file under the given output paths (files or folders), sorted, with size and sha256. Temp files are skipped. */
export async function listOutputs(out: OutputDir, rels: readonly string[]): Promise<OutputFile[]> {
  const files = new Set<string>();
  const walk = (abs: string): void => {
    if (!existsSync(abs)) return;
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs)) if (!name.startsWith('.')) walk(join(abs, name));
    } else if (st.isFile()) files.add(abs);
  };
  for (const rel of rels) walk(out.path(rel));
  const list: OutputFile[] = [];
  for (const abs of [...files].sort()) list.push({ path: out.rel(abs), bytes: statSync(abs).size, sha256: await sha256File(abs) });
  return list;
}

export function runnerVersion(): string {
  return readPackageJson(RUNNER_DIR)?.version ?? 'unknown';
}

/** onnxruntime-node's version as a generator plugin (or the runner) would load it; null when not installed. */
export function onnxRuntimeVersion(plugins: ResolvedPlugins): string | null {
  const dirs = [plugins.generator?.loaded.packageDir, ...plugins.evaluators.map((e) => e.loaded.packageDir), RUNNER_DIR].filter(
    (d): d is string => d !== undefined,
  );
  for (const dir of dirs) {
    const pkgDir = findPackageDir('onnxruntime-node', dir);
    const version = pkgDir ? readPackageJson(pkgDir)?.version : undefined;
    if (version) return version;
  }
  return null;
}

export function pluginsForManifest(plugins: ResolvedPlugins): unknown[] {
  const uses = [plugins.encoder, plugins.generator, ...plugins.constraints, ...plugins.evaluators].filter((u) => u !== undefined);
  return uses.map((u) => ({
    configPath: u.configPath,
    spec: u.loaded.spec,
    name: u.loaded.def.name,
    kind: u.loaded.def.kind,
    version: u.loaded.def.version,
    package: u.loaded.packageName ?? null,
    packageVersion: u.loaded.packageVersion ?? null,
    source: u.loaded.file,
    seed: u.seed,
    options: u.options,
  }));
}
