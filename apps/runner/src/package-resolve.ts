import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Conditions tried in a package's "exports", in order: netsynth loads plugins with import(). */
const CONDITIONS = ['import', 'node', 'default'];

export interface PackageJson {
  name?: string;
  version?: string;
  description?: string;
  main?: string;
  exports?: unknown;
  keywords?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export function readPackageJson(dir: string): PackageJson | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** `@scope/name/sub/path` → { name: '@scope/name', subpath: './sub/path' }. */
export function splitPackageSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const count = spec.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, count).join('/');
  const rest = parts.slice(count).join('/');
  return { name, subpath: rest ? `./${rest}` : '.' };
}

/** Resolves a conditional export target (string, condition object, or array of fallbacks). */
function resolveTarget(target: unknown, wildcard?: string): string | undefined {
  if (typeof target === 'string') return wildcard === undefined ? target : target.split('*').join(wildcard);
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveTarget(t, wildcard);
      if (r) return r;
    }
    return undefined;
  }
  if (target && typeof target === 'object') {
    for (const [cond, value] of Object.entries(target)) {
      if (CONDITIONS.includes(cond)) {
        const r = resolveTarget(value, wildcard);
        if (r) return r;
      }
    }
  }
  return undefined;
}

/**
 * The file a package subpath maps to under its package.json "exports" (import condition),
 * falling back to "main" and index.js for packages without exports. Undefined when the
 * package does not export the subpath.
 */
export function resolvePackageEntry(pkgDir: string, pkg: PackageJson, subpath = '.'): string | undefined {
  const exp = pkg.exports;
  if (exp !== undefined && exp !== null) {
    const isSubpathMap = typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.'));
    let target: string | undefined;
    if (!isSubpathMap) {
      target = subpath === '.' ? resolveTarget(exp) : undefined;
    } else {
      const map = exp as Record<string, unknown>;
      if (subpath in map) target = resolveTarget(map[subpath]);
      else {
        for (const [key, value] of Object.entries(map)) {
          const star = key.indexOf('*');
          if (star < 0) continue;
          const before = key.slice(0, star);
          const after = key.slice(star + 1);
          if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
            target = resolveTarget(value, subpath.slice(before.length, subpath.length - after.length));
            if (target) break;
          }
        }
      }
    }
    return target ? resolve(pkgDir, target) : undefined;
  }
  if (subpath !== '.') return resolve(pkgDir, subpath);
  for (const candidate of [pkg.main, 'index.js', 'index.mjs'].filter((c): c is string => !!c)) {
    const file = resolve(pkgDir, candidate);
    if (existsSync(file) && statSync(file).isFile()) return file;
    if (existsSync(`${file}.js`)) return `${file}.js`;
    if (existsSync(join(file, 'index.js'))) return join(file, 'index.js');
  }
  return undefined;
}

/** The folder of package `name` as Node finds it from `fromDir`: node_modules/<name> in it or any parent. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
