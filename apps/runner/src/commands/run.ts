import { Option } from 'commander';
import type { CliCommand } from '../command.js';
import { configReferenceText } from '../config-reference.js';
import { toJson } from '../json.js';
import { loadConfigFile } from '../config-file.js';
import { runLoadedConfig, type RunResult } from '../pipeline/run-pipeline.js';
import type { Shard } from '../pipeline/shard.js';
import { STAGE_NAMES, type StageName } from '../pipeline/state.js';
import { createProgressReporter } from '../progress.js';
import { parseOverride } from '../config-overrides.js';
import { collect, parseNonNegativeInt, shardOption } from './options.js';

interface RunFlags {
  out?: string;
  seed?: number;
  force?: boolean;
  from?: StageName;
  until?: StageName;
  shard?: Shard;
  json?: boolean;
  set: string[];
}

/** The human-readable end of a run: evaluator tables, then where everything is. */
export function formatRunResult(r: RunResult): string {
  const lines: string[] = [];
  for (const e of r.metrics?.evaluators ?? []) {
    lines.push(`== ${e.evaluator}`);
    lines.push(e.table.trimEnd());
    lines.push('');
  }
  const ran = r.stages.filter((s) => s.status === 'ran').length;
  lines.push(`${r.stages.length} stages (${ran} ran, ${r.stages.length - ran} already done). Outputs in ${r.outDir}:`);
  const top = new Map<string, { files: number; bytes: number }>();
  for (const o of r.outputs) {
    const head = o.path.includes('/') ? `${o.path.split('/')[0]}/` : o.path;
    const t = top.get(head) ?? { files: 0, bytes: 0 };
    t.files++;
    t.bytes += o.bytes;
    top.set(head, t);
  }
  for (const [name, t] of top) lines.push(`  ${name.padEnd(22)} ${t.files > 1 || name.endsWith('/') ? `${t.files} files, ` : ''}${t.bytes} bytes`);
  lines.push(`  ${'manifest.json'.padEnd(22)} versions, seeds, timings and sha256 of every output`);
  if (r.reportPath) lines.push('', `report:  ${r.reportPath}`);
  return `${lines.join('\n')}\n`;
}

export const runCommand: CliCommand = {
  name: 'run',
  register(program, env) {
    program
      .command('run')
      .description('run the pipeline a YAML config describes: ingest → encode → train → sample → decode → constraints → pcap → evaluate')
      .argument('<config>', 'YAML config file')
      .option('-o, --out <dir>', "output folder (default: the config's output.dir, relative to the config file)")
      .option('--seed <n>', "base seed (overrides the config's seed)", parseNonNegativeInt)
      .option('-f, --force', 'redo every stage, overwriting earlier outputs')
      .addOption(new Option('--from <stage>', 'redo this stage and every later one; keep the finished stages before it').choices([...STAGE_NAMES]))
      .addOption(new Option('--until <stage>', 'stop after this stage (e.g. train, before sampling in shards)').choices([...STAGE_NAMES]))
      .option(
        '--shard <K/N>',
        'make share K of N of the generated samples and decode, repair, write and evaluate it; `netsynth merge` joins the N folders',
        shardOption,
      )
      .option('--json', 'print the result (stages, outputs, metrics) as JSON on stdout')
      .option('--set <key=value>', 'replace a config key for this run (repeatable; the value is YAML), e.g. --set generator.samplesPerLabel=4', collect, [])
      .addHelpText(
        'after',
        `\nRe-running on an existing output folder resumes: finished stages whose inputs are unchanged are skipped.\nOutputs of a different config are never overwritten without --force (or --from STAGE).\n\nConfig keys:\n${configReferenceText()}`,
      )
      .action(async (config: string, flags: RunFlags) => {
        const { io, signal } = env;
        const progress = createProgressReporter(io.stderr);
        const loaded = await loadConfigFile(config, io.cwd, flags.set.map(parseOverride));
        const result = await runLoadedConfig(loaded, {
          cwd: io.cwd,
          progress,
          signal,
          ...(flags.out !== undefined && { outDir: flags.out }),
          ...(flags.seed !== undefined && { seed: flags.seed }),
          ...(flags.force !== undefined && { force: flags.force }),
          ...(flags.from !== undefined && { from: flags.from }),
          ...(flags.until !== undefined && { until: flags.until }),
          ...(flags.shard !== undefined && { shard: flags.shard }),
        });
        if (flags.json) io.stdout.write(`${toJson(result)}\n`);
        else io.stdout.write(formatRunResult(result));
      });
  },
};
