import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { mergeShards } from '../pipeline/merge.js';
import { createProgressReporter } from '../progress.js';
import { formatRunResult } from './run.js';

interface MergeFlags {
  out: string;
  force?: boolean;
  json?: boolean;
}

export const mergeCommand: CliCommand = {
  name: 'merge',
  register(program, env) {
    program
      .command('merge')
      .description('join the shard folders of `netsynth run --shard K/N` into the output one process would have written (synthetic.pcap, samples, metrics)')
      .argument('<shards...>', 'the output folders of shards 1/N … N/N (any order)')
      .requiredOption('-o, --out <dir>', 'output folder of the merged run')
      .option('-f, --force', 'replace an existing output folder')
      .option('--json', 'print the result (stages, outputs, metrics) as JSON on stdout')
      .addHelpText(
        'after',
        "\nThe merged folder gets the first shard's ingest, encode and train outputs (the same in every shard), the\nshards' generated samples in one-process order, and decode → constraints → pcap → evaluate over all of them.",
      )
      .action(async (shards: string[], flags: MergeFlags) => {
        const { io, signal } = env;
        const result = await mergeShards(shards, {
          outDir: flags.out,
          cwd: io.cwd,
          progress: createProgressReporter(io.stderr),
          signal,
          ...(flags.force && { force: true }),
        });
        io.stdout.write(flags.json ? `${toJson(result)}\n` : formatRunResult(result));
      });
  },
};
