import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Option } from 'commander';
import type { EvaluationResult, Evaluator, LabelledSample, PluginContext } from '@netsynth/core';
import { createRng, deriveSeed, InvalidArgumentError, parsePluginOptions } from '@netsynth/core';
import { loadSamples } from '@netsynth/pcap';
import { buildMetricsJson, writeReport } from '@netsynth/report';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { evalSetsFor } from './eval-pcaps.js';
import { PluginLoader, shortPluginSpec, type LoadedPlugin } from '../plugin-loader.js';
import { evaluatorSeeds } from '../pipeline/evaluator-seeds.js';
import { createProgressReporter } from '../progress.js';
import { parseNonNegativeInt, parsePositiveNumber } from './options.js';

/** Evaluators `netsynth eval` runs when --evaluators is not given (fd needs images, which captures do not have). */
export const DEFAULT_EVAL_EVALUATORS = ['distribution', 'validity', 'downstream', 'privacy'] as const;

/**
 * `--max-samples-per-label` when not given. Evaluators hold every sample of both sides (the
 * classifiers and nearest-neighbour checks need them all at once), so without a cap eval's
 * memory grows with the capture: a 1 GB capture is 3.9 M packets. 200 windows of at most
 * 1024 packets per label and side (as `netsynth init`'s first-run config) keep a gigabyte
 * capture within a few hundred MB and still give every metric enough samples; each label
 * gets a seeded uniform choice over all its windows. 0 keeps every sample.
 */
export const DEFAULT_EVAL_MAX_SAMPLES_PER_LABEL = 200;

type LabelSource = 'auto' | 'filename' | 'directory' | 'none';

interface EvalFlags {
  real: string;
  synthetic: string;
  out: string;
  evaluators?: string;
  labels: LabelSource;
  seed: number;
  idleTimeout: number;
  window: number;
  minPackets: number;
  maxSamplesPerLabel: number;
  force?: boolean;
  json?: boolean;
}

/** "distribution" → "@netsynth/evaluator-distribution"; package names and paths stay as they are. */
export function evaluatorSpec(name: string): string {
  return shortPluginSpec('evaluator', name);
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

async function readSide(
  path: string,
  labels: Exclude<LabelSource, 'auto'>,
  flags: EvalFlags,
  cwd: string,
  ctx: { progress: PluginContext['progress']; signal: AbortSignal },
): Promise<LabelledSample[]> {
  const samples = await loadSamples(
    {
      captures: [path],
      records: [],
      recordColumns: {},
      labels: { from: labels === 'none' ? 'filename' : labels },
      flows: { idleTimeoutSeconds: flags.idleTimeout, windowPackets: flags.window, minPackets: flags.minPackets, maxSamplesPerLabel: flags.maxSamplesPerLabel },
      holdout: 0,
    },
    cwd,
    { seed: flags.seed, progress: ctx.progress, signal: ctx.signal },
  );
  // Without class labels every sample is one class, "all": distributions, validity and privacy
  // do not need labels; the downstream classifiers then have nothing to tell apart.
  return labels === 'none' ? samples.map((s) => ({ ...s, label: 'all' })) : samples;
}

export const evalCommand: CliCommand = {
  name: 'eval',
  register(program, env) {
    program
      .command('eval')
      .description('compare two captures (real vs synthetic) with the evaluators; write report.html and metrics.json')
      .requiredOption('--real <capture>', 'real capture: a pcap/pcapng file, a folder of them, or a glob')
      .requiredOption('--synthetic <capture>', 'synthetic capture: a file, a folder or a glob')
      .requiredOption('-o, --out <dir>', 'folder for report.html and metrics.json')
      .option('--evaluators <list>', `comma-separated evaluators: short names (${DEFAULT_EVAL_EVALUATORS.join(', ')}, fd), package names or local paths`)
      .addOption(
        new Option(
          '--labels <from>',
          'class labels: from file names, parent folders, or none (one class); auto = filename when both sides are folders, else none',
        )
          .choices(['auto', 'filename', 'directory', 'none'])
          .default('auto'),
      )
      .option('--seed <n>', 'seed for splits and classifiers', parseNonNegativeInt, 0)
      .option('--idle-timeout <seconds>', 'flow idle timeout', parsePositiveNumber, 60)
      .option('--window <packets>', 'split flows into samples of at most this many packets', parseNonNegativeInt, 1024)
      .option('--min-packets <n>', 'drop flows (and trailing windows) with fewer packets', parseNonNegativeInt, 1)
      .option(
        '--max-samples-per-label <n>',
        'keep at most this many samples per label and side (seeded uniform choice, bounds memory on big captures); 0 = all (memory grows with the captures)',
        parseNonNegativeInt,
        DEFAULT_EVAL_MAX_SAMPLES_PER_LABEL,
      )
      .option('-f, --force', 'overwrite an existing report.html / metrics.json')
      .option('--json', 'print metrics.json on stdout instead of the tables')
      .action(async (flags: EvalFlags) => {
        const { io, signal } = env;
        if (flags.window < 1) throw new InvalidArgumentError('--window must be at least 1');
        if (flags.minPackets < 1) throw new InvalidArgumentError('--min-packets must be at least 1');
        const progress = createProgressReporter(io.stderr);
        const realPath = resolve(io.cwd, flags.real);
        const synPath = resolve(io.cwd, flags.synthetic);
        const outDir = resolve(io.cwd, flags.out);
        const labels: Exclude<LabelSource, 'auto'> = flags.labels === 'auto' ? (isDir(realPath) && isDir(synPath) ? 'filename' : 'none') : flags.labels;

        // Load every evaluator before reading captures, so a typo fails fast.
        const loader = new PluginLoader({ baseDir: io.cwd });
        const names = flags.evaluators ? flags.evaluators.split(',').filter((s) => s.trim() !== '') : [...DEFAULT_EVAL_EVALUATORS];
        if (names.length === 0) throw new InvalidArgumentError('--evaluators names no evaluator');
        // Created before the captures are read too: what they declare (needsPcap) decides what the sides carry.
        const evaluators: { name: string; ctx: PluginContext; evaluator: Evaluator }[] = [];
        const loadedAll: LoadedPlugin<'evaluator'>[] = [];
        for (const [i, name] of names.entries()) loadedAll.push(await loader.load(evaluatorSpec(name), 'evaluator', `--evaluators.${i}`));
        // Seeded by plugin name, not list position: the other evaluators chosen leave each one's figures alone.
        const seeds = evaluatorSeeds(
          deriveSeed(flags.seed, 'eval'),
          loadedAll.map((l) => l.def.name),
        );
        for (const [i, loaded] of loadedAll.entries()) {
          const options = parsePluginOptions(loaded.def, {}, `--evaluators.${i}`);
          const seed = seeds[i] as number;
          const ctx: PluginContext = { seed, rng: createRng(seed), progress, workDir: outDir, baseDir: io.cwd, signal };
          evaluators.push({ name: loaded.def.name, ctx, evaluator: await loaded.def.create(options, ctx) });
        }

        const ctxBase = { progress, signal };
        const realSamples = await readSide(realPath, labels, flags, io.cwd, ctxBase);
        const synSamples = await readSide(synPath, labels, flags, io.cwd, ctxBase);
        const sides = { real: realSamples, synthetic: synSamples };
        const { real, synthetic, dispose } = await evalSetsFor(
          evaluators.map((e) => e.evaluator),
          sides,
          progress,
          signal,
        );
        const results: EvaluationResult[] = [];
        try {
          for (const { name, ctx, evaluator } of evaluators) {
            if (signal.aborted) break;
            const task = progress.start(`evaluate ${name}`);
            results.push(await evaluator.evaluate(real, synthetic, ctx));
            task.done();
          }
        } finally {
          dispose();
        }
        const input = {
          title: `netsynth eval: ${basename(realPath)} vs ${basename(synPath)}`,
          inputs: {
            real: `${flags.real} (${realSamples.length} samples)`,
            synthetic: `${flags.synthetic} (${synSamples.length} samples)`,
            labels,
            seed: String(flags.seed),
          },
          results,
        };
        const written = await writeReport(outDir, input, { force: flags.force ?? false });
        if (flags.json) {
          io.stdout.write(`${toJson(buildMetricsJson(input))}\n`);
          return;
        }
        const lines: string[] = [];
        for (const r of results) lines.push(`== ${r.evaluator}`, r.table.trimEnd(), '');
        lines.push(`report:  ${written.htmlPath}`, `metrics: ${written.metricsPath}`);
        io.stdout.write(`${lines.join('\n')}\n`);
      });
  },
};
