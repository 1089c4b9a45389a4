import { resolve } from 'node:path';
import { writeFileAtomic } from '@netsynth/core';
import type { CliCommand } from '../command.js';
import { runConfigJsonSchema } from '../config-schema.js';
import { toJson } from '../json.js';
import { discoverPlugins } from '../plugin-discovery.js';
import { collect } from './options.js';

interface SchemaFlags {
  plugin: string[];
  out?: string;
  force?: boolean;
}

export const schemaCommand: CliCommand = {
  name: 'schema',
  register(program, env) {
    program
      .command('schema')
      .description(
        'print the JSON Schema of a run config, with the options of every plugin netsynth can load (for editors: `# yaml-language-server: $schema=FILE`)',
      )
      .option('--plugin <spec>', 'also include this package name or local path (repeatable)', collect, [])
      .option('-o, --out <file>', 'write the schema to this file (atomically) instead of stdout')
      .option('-f, --force', 'replace an existing --out file')
      .action(async (flags: SchemaFlags) => {
        const { io } = env;
        const { plugins, problems } = await discoverPlugins(flags.plugin, io.cwd);
        for (const p of problems) io.stderr.write(`warning: ${p.spec}: ${p.message}\n`);
        const text = `${toJson(runConfigJsonSchema(plugins.map((p) => p.def)))}\n`;
        if (flags.out === undefined) {
          io.stdout.write(text);
          return;
        }
        const out = resolve(io.cwd, flags.out);
        await writeFileAtomic(out, text, { force: flags.force ?? false });
        io.stdout.write(`wrote ${out}: the config schema with ${plugins.length} plugins' options\n`);
      });
  },
};
