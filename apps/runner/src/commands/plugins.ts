import { resolve } from 'node:path';
import { pluginOptionsJsonSchema, type JsonValue } from '@netsynth/core';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { discoverPlugins } from '../plugin-discovery.js';
import { collect } from './options.js';

interface PluginsFlags {
  json?: boolean;
  plugin: string[];
  dir?: string;
}

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
}

function typeOf(s: SchemaNode): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('|');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  const t = Array.isArray(s.type) ? s.type.join('|') : (s.type ?? 'any');
  return t === 'array' && s.items ? `${typeOf(s.items)}[]` : t;
}

/** The options of a plugin, one line each, from its JSON Schema. */
export function formatOptions(schema: JsonValue): string[] {
  const s = schema as SchemaNode;
  const props = Object.entries(s.properties ?? {});
  if (props.length === 0) return ['    (no options)'];
  const width = Math.max(...props.map(([k]) => k.length));
  return props.map(([key, p]) => {
    const bits = [typeOf(p)];
    if (s.required?.includes(key) && p.default === undefined) bits.push('required');
    if (p.default !== undefined) bits.push(`default ${JSON.stringify(p.default)}`);
    return `    ${key.padEnd(width)}  ${bits.join(', ')}${p.description ? ` — ${p.description}` : ''}`;
  });
}

export const pluginsCommand: CliCommand = {
  name: 'plugins',
  register(program, env) {
    program
      .command('plugins')
      .description('list the plugins netsynth can load (installed with it, plus --plugin SPEC) with their options')
      .option('--plugin <spec>', 'also load this package name or local path (repeatable)', collect, [])
      .option('--dir <dir>', 'folder package names and relative paths resolve from (default: the current folder)')
      .option('--json', 'print the list as JSON (with each options JSON Schema) on stdout')
      .action(async (flags: PluginsFlags) => {
        const { io } = env;
        const baseDir = resolve(io.cwd, flags.dir ?? '.');
        const { plugins, problems } = await discoverPlugins(flags.plugin, baseDir);
        const list = plugins.map(({ def, source }) => ({
          name: def.name,
          kind: def.kind,
          version: def.version,
          description: def.description,
          package: source.packageName ?? null,
          source: source.file,
          options: pluginOptionsJsonSchema(def),
        }));
        for (const p of problems) io.stderr.write(`warning: ${p.message}\n`);
        if (flags.json) {
          io.stdout.write(`${toJson({ plugins: list, problems })}\n`);
          return;
        }
        const lines: string[] = [];
        for (const p of list) {
          lines.push(`${p.name} ${p.version} (${p.kind})`);
          lines.push(`  ${p.description}`);
          lines.push('  options:');
          lines.push(...formatOptions(p.options));
          lines.push('');
        }
        if (list.length === 0) lines.push('no plugins found');
        io.stdout.write(`${lines.join('\n')}\n`);
      });
  },
};
