#!/usr/bin/env node
// Runs every benchmark file (packages|plugins|apps)/*/bench/*.bench.mjs, one Node process
// each, and passes through their JSON lines on stdout (one line per benchmark).
// `--only NAME` runs the files whose name or printed bench name matches NAME.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== '--');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
if (onlyIdx >= 0 && !only) {
  console.error('usage: pnpm bench [-- --only NAME]');
  process.exit(2);
}

const norm = (s) =>
  s
    .toLowerCase()
    .replace(/\.bench\.mjs$/, '')
    .replace(/[^a-z0-9]+/g, '.');
const files = [];
for (const group of ['packages', 'plugins', 'apps']) {
  const gdir = join(root, group);
  if (!existsSync(gdir)) continue;
  for (const pkg of readdirSync(gdir).sort()) {
    const bdir = join(gdir, pkg, 'bench');
    if (!existsSync(bdir)) continue;
    for (const f of readdirSync(bdir).sort()) if (f.endsWith('.bench.mjs')) files.push(join(bdir, f));
  }
}
// Cross-package benches (several plugins together) live in test/bench, as cross-package tests do.
const crossDir = join(root, 'test', 'bench');
if (existsSync(crossDir)) for (const f of readdirSync(crossDir).sort()) if (f.endsWith('.bench.mjs')) files.push(join(crossDir, f));

const want = only ? norm(only) : undefined;
// A file is run when NAME names it (pcap-read ~ pcap.read) or a benchmark it may print
// (engine ~ engine.train_step); its output lines are then filtered by bench name.
const selected = files.filter((f) => {
  if (!want) return true;
  const base = norm(f.split('/').pop());
  return base.includes(want) || want.includes(base) || want.split('.')[0] === base.split('.')[0];
});
if (selected.length === 0) {
  console.error(`no benchmark matches ${only}; available: ${files.map((f) => relative(root, f)).join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const file of selected) {
  const res = spawnSync(process.execPath, ['--expose-gc', file], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NETSYNTH_BENCH_ONLY: only ?? '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of res.stdout.split('\n')) {
    if (!line.trim()) continue;
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      console.error(`[${relative(root, file)}] ${line}`);
      continue;
    }
    if (want && parsed.bench && !norm(parsed.bench).startsWith(want) && !want.startsWith(norm(parsed.bench)) && !norm(parsed.bench).includes(want)) continue;
    console.log(JSON.stringify(parsed));
  }
  if (res.status !== 0) {
    failed++;
    console.error(`benchmark ${relative(root, file)} exited with ${res.status ?? res.signal}`);
  }
}
process.exit(failed ? 1 : 0);
