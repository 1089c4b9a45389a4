#!/usr/bin/env node
// Writes docs/plugins/<name>.md, one page per plugin the runner ships, from what the built CLI
// reports (`netsynth plugins --json`: name, kind, version, description and the options' JSON
// Schema made from each plugin's zod schema), plus docs/plugins/README.md (the index), and the
// generated parts of the root README.md between `<!-- NAME:start -->` / `<!-- NAME:end -->`
// markers: `cli` (every command's --help), `config` (the runner's config reference) and
// `plugins` (the plugin table).
//
//   node scripts/plugin-docs.mjs            write the pages
//   node scripts/plugin-docs.mjs --check    exit 1 and name every page that differs (a test runs this)
//
// Needs a build (`pnpm build`). The pages are generated so they cannot drift from the schemas;
// what each option means in depth is in the plugin's README, which every page links.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'apps', 'runner', 'dist', 'cli.js');
const DOCS = join(ROOT, 'docs', 'plugins');
const README = join(ROOT, 'README.md');
const check = process.argv.includes('--check');

if (!existsSync(CLI)) {
  console.error(`plugin-docs: ${relative(ROOT, CLI)} is missing; run \`pnpm build\` first`);
  process.exit(2);
}
const listing = JSON.parse(execFileSync(process.execPath, [CLI, 'plugins', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));

/** The workspace folder of a plugin: the package folder holding its dist file, through the runner's node_modules link. */
function packageDir(source) {
  let dir = dirname(source);
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
    dir = dirname(dir);
  }
  return undefined;
}

const plugins = listing.plugins
  .map((p) => ({ ...p, dir: packageDir(p.source) }))
  .filter((p) => p.dir && p.dir.startsWith(ROOT) && !p.dir.includes('node_modules'))
  .sort((a, b) => KIND_ORDER(a.kind) - KIND_ORDER(b.kind) || a.name.localeCompare(b.name));

function KIND_ORDER(kind) {
  const i = ['encoder', 'generator', 'extension', 'constraint', 'evaluator'].indexOf(kind);
  return i < 0 ? 9 : i;
}

const short = (name) => name.replace(/^@netsynth\//, '');
const code = (v) => `\`${v}\``;
const json = (v) => JSON.stringify(v);
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A short type expression for a JSON Schema node. */
function typeOf(s) {
  if (!s || typeof s !== 'object' || Object.keys(s).length === 0) return 'any';
  if (s.const !== undefined) return json(s.const);
  if (s.enum) return s.enum.map(json).join(' | ');
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf).map(typeOf).join(' or ');
  const t = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  if (t === 'array') {
    const item = typeOf(s.items);
    return `list of ${/ or | \| /.test(item) ? `(${item})` : item}`;
  }
  if (t === 'object') {
    if (s.properties) return 'object';
    if (s.additionalProperties && typeof s.additionalProperties === 'object' && Object.keys(s.additionalProperties).length) {
      return `map of string → ${typeOf(s.additionalProperties)}`;
    }
    return 'map';
  }
  return t ?? 'any';
}

/** Bounds and formats a schema node states (minimum, length, items...). */
function limitsOf(s) {
  if (!s || typeof s !== 'object') return '';
  const out = [];
  // zod's int() states ±MAX_SAFE_INTEGER bounds: no limit worth printing.
  if (s.minimum !== undefined && s.minimum > -Number.MAX_SAFE_INTEGER) out.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) out.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
  if (s.minItems !== undefined) out.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.uniqueItems) out.push('no repeats');
  if (s.minLength !== undefined && s.minLength > 0) out.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`length ≤ ${s.maxLength}`);
  if (s.pattern !== undefined) out.push(`matches ${code(s.pattern)}`);
  if (s.format !== undefined) out.push(s.format);
  for (const alt of s.anyOf ?? s.oneOf ?? []) {
    const l = limitsOf(alt);
    if (l) out.push(l);
  }
  if (s.type === 'array' && s.items) {
    const l = limitsOf(s.items);
    if (l) out.push(`each ${l}`);
  }
  return out.join(', ');
}

/** One row per option, nested objects flattened to dotted keys. */
function rows(schema, prefix = '', parentRequired = []) {
  const out = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const required = (schema.required ?? parentRequired).includes(key) && s.default === undefined;
    out.push({
      path,
      type: typeOf(s),
      default: s.default !== undefined ? code(json(s.default)) : required ? '**required**' : '—',
      limits: limitsOf(s),
      description: s.description ?? '',
    });
    const objectAlt = s.type === 'object' && s.properties ? s : (s.anyOf ?? []).find((a) => a.type === 'object' && a.properties);
    if (objectAlt) out.push(...rows(objectAlt, path, objectAlt.required ?? []));
  }
  return out;
}

const SECTION = { encoder: 'encoder', generator: 'generator', constraint: 'constraints', evaluator: 'evaluators', extension: 'generator.extensions' };

function usage(p) {
  const plugin = `plugin: ${json(p.name)}`;
  if (p.kind === 'encoder' || p.kind === 'generator') return `${SECTION[p.kind]}:\n  ${plugin}\n  options: {}   # see below`;
  if (p.kind === 'extension') return `generator:\n  plugin: "@netsynth/generator-…"\n  extensions:\n    - ${plugin}\n      options: {}   # see below`;
  return `${SECTION[p.kind] ?? p.kind}:\n  - ${plugin}\n    options: {}   # see below`;
}

function page(p) {
  const readme = relative(DOCS, join(p.dir, 'README.md'));
  const table = rows(p.options);
  const lines = [
    `<!-- Generated by scripts/plugin-docs.mjs from \`netsynth plugins --json\`; do not edit. Run \`pnpm docs:plugins\` after changing a plugin's options. -->`,
    `# ${p.name}`,
    '',
    `**${p.kind}** · version ${p.version} · package ${code(p.name)} · [README](${readme})`,
    '',
    p.description ?? '',
    '',
    '## Use it',
    '',
    '```yaml',
    usage(p),
    '```',
    '',
    '## Options',
    '',
  ];
  if (table.length === 0) lines.push('This plugin has no options.');
  else {
    const withDesc = table.some((r) => r.description);
    lines.push(`| option | type | default | limits |${withDesc ? ' meaning |' : ''}`);
    lines.push(`| --- | --- | --- | --- |${withDesc ? ' --- |' : ''}`);
    for (const r of table)
      lines.push(`| ${code(r.path)} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.limits)} |${withDesc ? ` ${cell(r.description)} |` : ''}`);
    lines.push('');
    lines.push(
      p.options.additionalProperties === false
        ? 'Unknown keys are rejected (the run stops before any work, naming the key and its line).'
        : 'Other keys are accepted.',
    );
    lines.push(`What each option does, with examples: the plugin's [README](${readme}).`);
  }
  lines.push('');
  return lines.join('\n');
}

function index() {
  const lines = [
    '<!-- Generated by scripts/plugin-docs.mjs; do not edit. -->',
    '# Plugins',
    '',
    "Every plugin the `netsynth` runner ships, with its options (generated from the plugins' option schemas).",
    '`netsynth plugins` prints the same on the command line.',
    '',
    pluginTable(
      '',
      (p) => `${short(p.name)}.md`,
      (p) => relative(DOCS, join(p.dir, 'README.md')),
    ),
    '',
  ];
  return lines.join('\n');
}

function pluginTable(_base, docLink, readmeLink) {
  const lines = ['| plugin | kind | what it does | |', '| --- | --- | --- | --- |'];
  for (const p of plugins) lines.push(`| [${code(p.name)}](${docLink(p)}) | ${p.kind} | ${cell(p.description ?? '')} | [README](${readmeLink(p)}) |`);
  return lines.join('\n');
}

const wanted = new Map();
for (const p of plugins) wanted.set(join(DOCS, `${short(p.name)}.md`), page(p));
wanted.set(join(DOCS, 'README.md'), index());

/** `text` with the part between `<!-- NAME:start ... -->` and `<!-- NAME:end -->` replaced. */
function between(text, name, body) {
  const start = new RegExp(`<!-- ${name}:start[^>]*-->`).exec(text);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (!start || end < start.index) return text;
  const head = start.index + start[0].length;
  return `${text.slice(0, head)}\n${body}\n${text.slice(end)}`;
}

/** Every command's --help (the run command's config key list is in the config reference instead). */
function cliReference() {
  const help = (args) => execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  const main = help(['--help']);
  const commands = [...main.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
  const parts = ['```text', main.trimEnd(), '```'];
  for (const c of commands) {
    const text = help([c, '--help']).split('\nConfig keys:')[0].trimEnd();
    parts.push('', `### \`netsynth ${c}\``, '', '```text', text, '```');
  }
  return parts.join('\n');
}

// The root README's generated parts: CLI help, config reference, plugin list.
if (existsSync(README)) {
  const { configReferenceMarkdown } = await import(pathToFileURL(join(ROOT, 'apps', 'runner', 'dist', 'index.js')).href);
  let text = readFileSync(README, 'utf8');
  text = between(text, 'cli', cliReference());
  text = between(text, 'config', configReferenceMarkdown().trimEnd());
  text = between(
    text,
    'plugins',
    pluginTable(
      '',
      (p) => `docs/plugins/${short(p.name)}.md`,
      (p) => relative(ROOT, join(p.dir, 'README.md')),
    ),
  );
  wanted.set(README, text);
}

const stale = [];
for (const [file, text] of wanted) {
  const now = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (now === text) continue;
  stale.push(relative(ROOT, file));
  if (!check) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}
// Pages of plugins that are gone.
if (existsSync(DOCS)) {
  for (const f of readdirSync(DOCS)) {
    if (f.endsWith('.md') && !wanted.has(join(DOCS, f))) stale.push(`${relative(ROOT, join(DOCS, f))} (no such plugin any more: delete it)`);
  }
}

if (check) {
  if (stale.length) {
    console.error(`plugin-docs: stale (run \`pnpm docs:plugins\` and commit):\n${stale.map((s) => `  ${s}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`plugin-docs: ${wanted.size} files up to date (${plugins.length} plugins)`);
} else {
  console.log(`plugin-docs: ${plugins.length} plugins; ${stale.length ? `wrote ${stale.join(', ')}` : 'nothing changed'}`);
}
