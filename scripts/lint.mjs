#!/usr/bin/env node
// Project lint, run in a package folder (each package's `lint` script). Two parts:
// 1. ESLint with typescript-eslint's type-aware rules (eslint.config.mjs at the root):
//    floating promises, `any`, misused promises, unused code.
// 2. The rules of the design card a generic linter does not know: the public API is
//    src/index.ts (no reaching into another package's internals), the layering (packages and
//    the runner's src never import a plugin package: src, test and bench alike), no `any` in
//    published type declarations, no focused tests, and a README per package.
// 3. A published package is what a registry user gets right: publint (package.json fields,
//    exports, files present in the packed tarball) and are-the-types-wrong (the .d.ts resolve
//    for ESM importers; the packages are ESM-only, so its CommonJS rows are ignored).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { publint } from 'publint';

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
const files = [...walk(join(pkgDir, 'src')), ...walk(join(pkgDir, 'test')), ...walk(join(pkgDir, 'bench'))];
const importRe = /(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g;
const pluginRe = /^@netsynth\/(encoder|generator|ruleset|evaluator)-/;
const where = relative(repoRoot, pkgDir);
// Layering: apps → plugins → packages. A package's src and benches never import a plugin
// (benches of several plugins together live in test/bench); the runner's src knows no plugin.
const layered = (file) => {
  const path = relative(repoRoot, file);
  return (where.startsWith('packages/') && /^packages\/[^/]+\/(src|bench)\//.test(path)) || path.startsWith('apps/runner/src/');
};
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1];
    if (/^@netsynth\/[^/]+\/(src|dist)\b/.test(spec)) problems.push(`${relative(repoRoot, file)}: imports another package's internals: ${spec}`);
    if (pluginRe.test(spec) && layered(file))
      problems.push(`${relative(repoRoot, file)}: imports a plugin package (the layering is apps → plugins → packages): ${spec}`);
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

// Type-aware ESLint over the package's TypeScript (the config resolves each file's tsconfig).
const eslint = new ESLint({ cwd: repoRoot, errorOnUnmatchedPattern: false });
const tsFiles = files.filter((f) => /\.(ts|mts)$/.test(f));
const results = tsFiles.length ? await eslint.lintFiles(tsFiles) : [];
for (const r of results) {
  for (const m of r.messages) {
    const at = `${relative(repoRoot, r.filePath)}:${m.line}:${m.column}: ${m.message} (${m.ruleId ?? 'parse'})`;
    if (m.severity >= 2) problems.push(at);
    else console.warn(`warning: ${at}`);
  }
}

const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
if (!manifest.private) {
  const { messages } = await publint({ pkgDir, level: 'warning', pack: 'pnpm' });
  for (const m of messages) problems.push(`package.json: publint ${m.type} ${m.code} at ${m.path.join('.') || '(root)'}`);
  const attw = join(repoRoot, 'node_modules', '.bin', 'attw');
  try {
    await promisify(execFile)(attw, ['--pack', '.', '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji', '--no-summary'], { cwd: pkgDir });
  } catch (e) {
    problems.push(`are-the-types-wrong (attw --pack . --profile esm-only):\n${String(e.stdout || e.stderr || e.message).trim()}`);
  }
}

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`lint: ${files.length} files clean`);
