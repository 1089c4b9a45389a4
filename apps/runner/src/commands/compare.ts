import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@netsynth/core';
import { writeComparison, type ComparedRun } from '@netsynth/report';
import type { CliCommand } from '../command.js';
import { OUT } from '../pipeline/paths.js';
import { readMetricsFile } from '../pipeline/stages/evaluate.js';

interface CompareFlags {
  out: string;
  force?: boolean;
}

/** A run folder (its metrics.json) or a metrics.json file itself. */
function metricsPathOf(arg: string, cwd: string): string {
  const p = resolve(cwd, arg);
  const file = existsSync(p) && statSync(p).isDirectory() ? join(p, OUT.metrics) : p;
  if (!existsSync(file)) throw new InvalidArgumentError(`no ${OUT.metrics} in ${arg} (give a run's output folder or its metrics.json)`, { file });
  return file;
}

/** Column names: the folders' names, made unique with their position when two are alike. */
function runNames(args: readonly string[]): string[] {
  const names = args.map((a) => basename(resolve(a).replace(/[/\\]metrics\.json$/, '')));
  return names.map((n, i) => (names.indexOf(n) !== i || names.lastIndexOf(n) !== i ? `${n} (${i + 1})` : n));
}

/** `netsynth compare RUN_A RUN_B [...] --out DIR`: one report with the runs side by side. */
export const compareCommand: CliCommand = {
  name: 'compare',
  register(program, env) {
    program
      .command('compare')
      .description('compare runs side by side (scorecards, overlaid CDFs, metric changes) from their metrics.json; write DIR/report.html')
      .argument('<runs...>', 'run output folders (or their metrics.json), two or more; changes are measured from the first')
      .requiredOption('-o, --out <dir>', 'folder for the comparison report.html')
      .option('-f, --force', 'overwrite an existing report.html')
      .action(async (args: string[], flags: CompareFlags) => {
        const { io } = env;
        if (args.length < 2) throw new InvalidArgumentError('compare needs at least two runs');
        const names = runNames(args);
        const runs: ComparedRun[] = [];
        for (const [i, arg] of args.entries()) {
          const metrics = await readMetricsFile(metricsPathOf(arg, io.cwd), 0);
          runs.push({ name: names[i] as string, results: metrics.evaluators });
        }
        const path = await writeComparison(resolve(io.cwd, flags.out), runs, { force: flags.force ?? false, title: `netsynth compare: ${names.join(' vs ')}` });
        io.stdout.write(`report: ${path}\n`);
      });
  },
};
