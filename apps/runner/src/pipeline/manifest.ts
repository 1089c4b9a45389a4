import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPackageDir, readPackageJson } from '../package-resolve.js';
import { RUNNER_DIR } from '../plugin-loader.js';
import { sha256File } from '../hash.js';
import { OUT } from './paths.js';
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

/**
 * The recorded files that are missing or whose size or sha256 differ on disk now (a damaged
 * model.onnx, a bit flip in a checkpoint): the stage that wrote them must run again.
 */
export async function damagedOutputs(out: OutputDir, recorded: readonly OutputFile[]): Promise<string[]> {
  const damaged: string[] = [];
  for (const f of recorded) {
    const abs = out.path(f.path);
    const st = existsSync(abs) ? statSync(abs) : undefined;
    if (!st?.isFile() || st.size !== f.bytes || (await sha256File(abs)) !== f.sha256) damaged.push(f.path);
  }
  return damaged;
}

/** What manifest.json recorded under the given stage outputs (for stage markers written before they held hashes). */
export async function manifestFilesUnder(out: OutputDir, rels: readonly string[]): Promise<OutputFile[]> {
  let files: OutputFile[];
  try {
    files = (JSON.parse(await readFile(out.path(OUT.manifest), 'utf8')) as { outputs?: OutputFile[] }).outputs ?? [];
  } catch {
    return []; // no manifest (an interrupted first run): nothing recorded to check against
  }
  return files.filter((f) => typeof f?.path === 'string' && rels.some((r) => f.path === r || f.path.startsWith(`${r}/`)));
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
