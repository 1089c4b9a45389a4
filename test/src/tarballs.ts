import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, exec } from './env.js';

async function mustRun(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await exec(cmd, args, { cwd });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * Workspace folder of each published @netsynth package by name. Private packages (such as
 * @netsynth/test-support, a devDependency of the tests only) are never packed or installed.
 */
export function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of ['packages', 'plugins', 'apps']) {
    for (const name of readdirSync(join(REPO_ROOT, group))) {
      const dir = join(REPO_ROOT, group, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { private?: boolean };
      if (manifest.private) continue;
      out.set(name === 'runner' ? '@netsynth/runner' : `@netsynth/${name}`, dir);
    }
  }
  return out;
}

/**
 * `pnpm pack`s the named workspace packages (workspace: ranges become real versions) into
 * `dest`; returns name → tarball path. Needs their dist/ built.
 */
export async function packWorkspace(names: readonly string[], dest: string): Promise<Map<string, string>> {
  mkdirSync(dest, { recursive: true });
  const dirs = workspacePackages();
  const out = new Map<string, string>();
  for (const name of names) {
    const dir = dirs.get(name);
    if (!dir) throw new Error(`no workspace package ${name}`);
    const before = new Set(readdirSync(dest));
    await mustRun('pnpm', ['pack', '--pack-destination', dest], dir);
    const made = readdirSync(dest).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (made.length !== 1) throw new Error(`pnpm pack of ${name} made ${made.join(', ') || 'nothing'}`);
    out.set(name, join(dest, made[0]!));
  }
  return out;
}

/**
 * npm-packs a plain copy of a third-party dependency as the workspace has it installed (so an
 * install needs no registry for it). `from` is a package folder whose node_modules holds it.
 */
export async function packInstalled(name: string, from: string, scratch: string, dest: string): Promise<string> {
  const src = realpathSync(join(from, 'node_modules', name));
  const copy = join(scratch, name.replace('/', '__'));
  cpSync(src, copy, { recursive: true, dereference: true });
  const before = new Set(readdirSync(dest));
  await mustRun('npm', ['pack', copy, '--pack-destination', dest, '--ignore-scripts'], scratch);
  const made = readdirSync(dest).filter((f) => !before.has(f) && f.endsWith('.tgz'));
  return join(dest, made[0]!);
}
