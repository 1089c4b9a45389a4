import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CLI, REPO_ROOT, exec } from '../src/env.js';

/**
 * docs/plugins/*.md, docs/plugins/README.md and the generated parts of the root README (CLI
 * help, config reference, plugin table) are made by scripts/plugin-docs.mjs from the built
 * runner; this fails when any of them differs from what the script would write now (a plugin's
 * options changed, a plugin was added) and names the files. Fix: `pnpm docs:plugins`.
 */
describe.skipIf(!HAVE_CLI)('generated docs', () => {
  it('docs/plugins and the README reference are up to date (pnpm docs:plugins)', async () => {
    const r = await exec(process.execPath, [join(REPO_ROOT, 'scripts', 'plugin-docs.mjs'), '--check'], { cwd: REPO_ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/plugin-docs: \d+ files up to date \((\d+) plugins\)/);
    const plugins = Number(/\((\d+) plugins\)/.exec(r.stdout)?.[1]);
    expect(plugins).toBeGreaterThanOrEqual(16);
  });
});

describe('every package is publishable', () => {
  const groups = ['packages', 'plugins', 'apps'];
  const all = groups.flatMap((g) => readdirSync(join(REPO_ROOT, g)).map((n) => join(REPO_ROOT, g, n))).filter((d) => existsSync(join(d, 'package.json')));
  type Manifest = { name: string; private?: boolean; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  const manifest = (d: string): Manifest => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
  // Private packages (@netsynth/test-support) are never published: no changeset, but ignored by changesets.
  const dirs = all.filter((d) => !manifest(d).private);
  const privates = all.filter((d) => manifest(d).private).map((d) => manifest(d).name);
  const changesets = readdirSync(join(REPO_ROOT, '.changeset'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(join(REPO_ROOT, '.changeset', f), 'utf8'))
    .join('\n');

  it.each(dirs.map((d) => [d.slice(REPO_ROOT.length)]))('%s has a README, a tsup build (ESM + .d.ts), a vitest config and a changeset', (rel) => {
    const dir = join(REPO_ROOT, rel);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    expect(readFileSync(join(dir, 'tsup.config.ts'), 'utf8')).toMatch(/format: \['esm'\][\s\S]*dts: (true|\{)/);
    expect(existsSync(join(dir, 'vitest.config.ts'))).toBe(true);
    expect(pkg).toMatchObject({ type: 'module', scripts: { build: 'tsup' } });
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md']));
    expect(changesets).toContain(`"${pkg.name}":`);
  });

  it("private packages are in the changeset ignore list and in no published package's dependencies", () => {
    const config = JSON.parse(readFileSync(join(REPO_ROOT, '.changeset', 'config.json'), 'utf8')) as { ignore: string[] };
    expect(privates).toContain('@netsynth/test-support');
    for (const name of privates) expect(config.ignore).toContain(name);
    for (const d of dirs) {
      const pkg = manifest(d);
      for (const name of privates) expect(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }), pkg.name).not.toContain(name);
    }
  });
});
