import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/env.js';

/**
 * The shape rules of the codebase that no compiler checks: the runner knows no plugin, plugin
 * versions come from package.json (a release must change stage hashes), and every published
 * package carries the metadata a registry and a bundler read.
 */
function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const PLUGIN_IMPORT = /(?:from\s+|import\s*\(\s*)['"]@netsynth\/(?:encoder|generator|ruleset|evaluator)-[^'"]*['"]/;
const rel = (p: string): string => relative(REPO_ROOT, p);

describe('the runner knows no plugin', () => {
  it('no file under apps/runner/src imports a plugin package', () => {
    const offenders = sourceFiles(join(REPO_ROOT, 'apps', 'runner', 'src')).filter((f) => PLUGIN_IMPORT.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });
});

describe('plugin versions', () => {
  it('no plugin hard-codes its version in definePlugin (it reads package.json at build time)', () => {
    const offenders = readdirSync(join(REPO_ROOT, 'plugins'))
      .flatMap((p) => sourceFiles(join(REPO_ROOT, 'plugins', p, 'src')))
      .filter((f) => /\bversion:\s*['"`]\d+\.\d+\.\d+/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });
});

describe('published package metadata', () => {
  const dirs = ['packages', 'plugins', 'apps']
    .flatMap((g) => readdirSync(join(REPO_ROOT, g)).map((n) => join(REPO_ROOT, g, n)))
    .filter((d) => existsSync(join(d, 'package.json')))
    .filter((d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).private !== true);

  it('the repository has an MIT LICENSE', () => {
    expect(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it.each(dirs.map((d) => [rel(d)]))('%s: license, repository, engines, keywords, sideEffects', (dir) => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository).toMatchObject({ type: 'git', directory: dir });
    expect(pkg.engines?.node).toMatch(/^>=\d+/);
    expect(pkg.keywords).toContain('netsynth');
    if (dir.startsWith('plugins/')) expect(pkg.keywords).toContain('netsynth-plugin');
    expect(pkg.sideEffects === false || Array.isArray(pkg.sideEffects)).toBe(true);
  });

  it('changesets version every published @netsynth package together (one fixed group)', () => {
    const config = JSON.parse(readFileSync(join(REPO_ROOT, '.changeset', 'config.json'), 'utf8'));
    expect(config.fixed).toEqual([['@netsynth/*']]);
  });
});
