import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, writeFileAtomic } from '@netsynth/core';
import type { CliCommand } from '../command.js';
import { CONFIG_SCHEMA_FILE, runConfigJsonSchema } from '../config-schema.js';
import { findCaptures, relativeToConfig, starterConfig } from '../init-config.js';
import { RECORD_FILE, initRecords } from '../init-records.js';
import { toJson } from '../json.js';
import { discoverPlugins } from '../plugin-discovery.js';

interface InitFlags {
  config: string;
  force?: boolean;
  json?: boolean;
}

export const initCommand: CliCommand = {
  name: 'init',
  register(program, env) {
    program
      .command('init')
      .description('write a starter config for the captures in a folder (labels from file or folder names)')
      .argument('[dir]', 'folder holding your .pcap/.pcapng files (searched recursively)', '.')
      .option('-c, --config <file>', 'config file to write, relative to DIR', 'netsynth.yaml')
      .option('-f, --force', 'overwrite an existing config file')
      .option('--json', 'print what was written as JSON on stdout')
      .action(async (dirArg: string, flags: InitFlags) => {
        const { io } = env;
        const dir = resolve(io.cwd, dirArg);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) {
          throw new InvalidArgumentError(`${dir} is not a folder; give the folder that holds your captures: netsynth init path/to/captures`);
        }
        const captures = findCaptures(dir);
        if (captures.length === 0) {
          // A folder of NetFlow-style record CSVs gets a records config instead.
          const records = findCaptures(dir, 10_000, RECORD_FILE);
          if (records.length > 0) return initRecords(dir, records, flags, io);
          throw new InvalidArgumentError(
            `no .pcap, .pcapng or .cap file under ${dir}; put your captures there (one folder per class, or one file per class) and run netsynth init again`,
          );
        }
        const { plugins } = await discoverPlugins([], dir);
        const file = resolve(dir, flags.config);
        const starter = starterConfig(
          relativeToConfig(file, dir, captures),
          plugins.map((p) => p.def),
        );
        // Editors with yaml-language-server complete and check the config against the schema beside it.
        const schemaFile = resolve(dirname(file), CONFIG_SCHEMA_FILE);
        await writeFileAtomic(file, `# yaml-language-server: $schema=./${CONFIG_SCHEMA_FILE}\n${starter.text}`, { force: flags.force ?? false });
        await writeFileAtomic(schemaFile, `${toJson(runConfigJsonSchema(plugins.map((p) => p.def)))}\n`, { force: true });
        if (flags.json) {
          io.stdout.write(`${toJson({ file, ...starter, text: undefined })}\n`);
          return;
        }
        const shown = relative(io.cwd, file) || file;
        io.stdout.write(
          [
            `wrote ${shown}: ${captures.length} capture(s), labels from ${starter.labelsFrom} names (${starter.labels.join(', ')})`,
            `plugins: ${[...starter.plugins.encoder, ...starter.plugins.generator, ...starter.plugins.constraints, ...starter.plugins.evaluators].join(', ') || 'none installed'}`,
            `next: netsynth run ${relative(io.cwd, file) || file}   (outputs go to ${join(relative(io.cwd, dirname(file)) || '.', 'out')})`,
            '',
          ].join('\n'),
        );
      });
  },
};
