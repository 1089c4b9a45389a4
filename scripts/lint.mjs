#!/usr/bin/env node
// Project lint, run in a package folder. It enforces the rules of the design card that
// a generic linter does not know: the public API is src/index.ts (no reaching into
// another package's internals), no `any` in published type declarations, no focused
// tests, and a README per package.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const pkgDir = process.cwd();
const problems = [];

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const repoRoot = resolve(pkgDir, pkgDir.endsWith('/test') && existsSync(join(pkgDir, '..', 'pnpm-workspace.yaml')) ? '..' : '../..');
const files = [...walk(join(pkgDir, 'src')), ...walk(join(pkgDir, 'test'))];
const importRe = /(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1];
    if (/^@netsynth\/[^/]+\/(src|dist)\b/.test(spec)) problems.push(`${relative(repoRoot, file)}: imports another package's internals: ${spec}`);
    if (spec.startsWith('.')) {
      const target = resolve(join(file, '..'), spec);
      const within = target.startsWith(pkgDir + '/') || target === pkgDir;
      const toShared = target.startsWith(resolve(repoRoot, '..', 'shared'));
      if (!within && !toShared) problems.push(`${relative(repoRoot, file)}: relative import leaves the package: ${spec}`);
    }
  }
  if (/\b(it|test|describe)\.only\(/.test(text)) problems.push(`${relative(repoRoot, file)}: focused test (.only)`);
}

const dts = join(pkgDir, 'dist', 'index.d.ts');
if (existsSync(dts)) {
  const text = readFileSync(dts, 'utf8');
  text.split('\n').forEach((line, i) => {
    if (/(:\s*any\b|<any>|\bany\[\]|,\s*any>|\bas any\b)/.test(line)) problems.push(`dist/index.d.ts:${i + 1}: \`any\` in a public signature: ${line.trim()}`);
  });
}
if (!existsSync(join(pkgDir, 'README.md'))) problems.push(`${relative(repoRoot, pkgDir) || '.'}: no README.md`);

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`lint: ${files.length} files clean`);
