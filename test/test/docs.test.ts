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
