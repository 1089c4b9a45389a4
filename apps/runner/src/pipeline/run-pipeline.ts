import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  InvalidArgumentError,
  OutputExistsError,
  removeStaleTempFiles,
  silentProgress,
  writeFileAtomic,
  type AnyPluginDefinition,
  type ProgressReporter,
} from '@netsynth/core';
import { loadConfigFile, locateConfigError, type LoadedConfig } from '../config-file.js';
import { sha256Json, sha256Text } from '../hash.js';
import { toJson } from '../json.js';
import { PluginLoader } from '../plugin-loader.js';
import { damagedOutputs, listOutputs, manifestFilesUnder, onnxRuntimeVersion, pluginsForManifest, runnerVersion, type OutputFile } from './manifest.js';
import { OutputDir, type StageMarker } from './output-dir.js';
import { OUT } from './paths.js';
import { resolvePlugins } from './resolve-plugins.js';
import type { IndexedSample, Shard } from './shard.js';
import type { Stage } from './stage.js';
import { constraintsStage } from './stages/constraints.js';
import { decodeStage } from './stages/decode.js';
import { encodeStage } from './stages/encode.js';
import { trainingPrivacy } from './stages/dp-metrics.js';
import { evaluateStage, readMetricsFile, type MetricsFile } from './stages/evaluate.js';
import { ingestStage } from './stages/ingest.js';
import { pcapStage } from './stages/pcap.js';
import { sampleStage } from './stages/sample.js';
import { trainStage } from './stages/train.js';
import { RunState, STAGE_NAMES, type ResolvedPlugins, type StageName } from './state.js';

export interface RunOptions {
  /** Output folder (relative to `cwd`); default: the config's output.dir, relative to the config file. */
  outDir?: string;
  /** Overrides the config's seed. */
  seed?: number;
  /** Redo every stage and overwrite earlier outputs. */
  force?: boolean;
  /** Redo this stage and every later one (overwriting their outputs); earlier finished stages are kept. */
  from?: StageName;
  /** Stop after this stage (e.g. `train`, before sharded sampling). */
  until?: StageName;
  /** Make share K of N of the generated samples, and decode, repair, write and evaluate that share. */
  shard?: Shard;
  /** Samples already generated (merged shards): the sample stage stores these instead of sampling. */
  presampled?: readonly IndexedSample[];
  progress?: ProgressReporter;
  signal?: AbortSignal;
  cwd?: string;
  /** Plugin definitions used when a config names them by their name (tests, programmatic use). */
  plugins?: readonly AnyPluginDefinition[];
  /** Folders package names resolve from after the config's folder (default: the runner's). */
  fallbackDirs?: readonly string[];
}

export interface StageReport {
  name: StageName;
  status: 'ran' | 'skipped';
  seconds: number;
  summary: string;
  inputHash: string;
}

export interface RunResult {
  outDir: string;
  manifestPath: string;
  configHash: string;
  seed: number;
  stages: StageReport[];
  /** Evaluation results (empty without evaluators). */
  metrics: MetricsFile | undefined;
  /** report.html (absolute path) when the run has evaluators. */
  reportPath?: string;
  outputs: OutputFile[];
}

const ALL_STAGES: Record<StageName, Stage> = {
  ingest: ingestStage,
  encode: encodeStage,
  train: trainStage,
  sample: sampleStage,
  decode: decodeStage,
  constraints: constraintsStage,
  pcap: pcapStage,
  evaluate: evaluateStage,
};

/** The stages a config asks for, in order. Ingest always runs; the rest follow from the sections present. */
export function activeStages(config: LoadedConfig['config'], plugins: ResolvedPlugins): StageName[] {
  const names: StageName[] = ['ingest'];
  if (plugins.encoder) names.push('encode');
  if (plugins.generator) names.push('train', 'sample', 'decode');
  if (plugins.constraints.length > 0) names.push('constraints');
  if (config.output.pcap && (plugins.generator || plugins.constraints.length > 0)) names.push('pcap');
  if (plugins.evaluators.length > 0) names.push('evaluate');
  return names;
}

/** The stages up to and including `until` (all of them without it). */
function untilStage(names: StageName[], until: StageName | undefined): StageName[] {
  if (until === undefined) return names;
  const i = names.indexOf(until);
  if (i < 0) throw new InvalidArgumentError(`--until ${until}: this config has no such stage; its stages are ${names.join(', ')}`);
  return names.slice(0, i + 1);
}

interface PlannedStage {
  stage: Stage;
  hash: string;
  done: StageMarker | undefined;
  skip: boolean;
  /** Resuming an interrupted run of the same inputs: keep what the stage marks keepOnResume. */
  resume: boolean;
}

function formatSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/**
 * A rerun whose config dropped a stage (e.g. `--set evaluators=[]`) would write a manifest that
 * no longer lists that stage's earlier outputs (metrics.json, report.html) although they stay
 * in the folder: refused without --force, naming the leftover and the stage, rather than
 * leaving a folder whose files disagree with its manifest.
 */
async function refuseStaleStages(out: OutputDir, state: RunState, active: readonly StageName[], progress: ProgressReporter): Promise<void> {
  for (const name of STAGE_NAMES) {
    if (active.includes(name)) continue;
    const marker = (await out.readDone(name)) ?? (await out.readStarted(name));
    if (!marker) continue;
    let rels: string[] = [];
    try {
      rels = ALL_STAGES[name].outputs(state);
    } catch {
      // the stage's outputs depend on plugins this config no longer has: name its marker instead
    }
    const existing = out.firstExisting(rels) ?? out.path(`stages/${name}.${'outputs' in marker ? 'done' : 'started'}.json`);
    progress.warn(`stage ${name}: this config no longer has it, but ${existing} from an earlier run is in the output folder`);
    throw new OutputExistsError(existing, `written by stage ${name}, which this config no longer has: manifest.json would no longer match the folder`);
  }
}

/** Runs the config at `configPath` (see runLoadedConfig). */
export async function runPipeline(configPath: string, options: RunOptions = {}): Promise<RunResult> {
  const loaded = await loadConfigFile(configPath, options.cwd);
  return runLoadedConfig(loaded, options);
}

/**
 * Runs a validated config: loads its plugins (options checked by their schemas), then the
 * stages in order. A stage whose `stages/<name>.done.json` records the same input hash is
 * skipped (resume); one whose earlier outputs came from other inputs is an
 * OutputExistsError unless `force`.
 */
export async function runLoadedConfig(loaded: LoadedConfig, options: RunOptions = {}): Promise<RunResult> {
  try {
    return await run(loaded, options);
  } catch (e) {
    throw locateConfigError(e, loaded.where);
  }
}

async function run(loaded: LoadedConfig, options: RunOptions): Promise<RunResult> {
  const progress = options.progress ?? silentProgress;
  const cwd = options.cwd ?? process.cwd();
  const seed = options.seed ?? loaded.config.seed;
  const config = { ...loaded.config, seed };
  const force = options.force ?? false;

  const loader = new PluginLoader({
    baseDir: loaded.dir,
    ...(options.fallbackDirs !== undefined && { fallbackDirs: options.fallbackDirs }),
    ...(options.plugins !== undefined && { preloaded: options.plugins }),
  });
  const plugins = await resolvePlugins(config, loaded.raw, loader, seed);

  const outDir = options.outDir !== undefined ? resolve(cwd, options.outDir) : resolve(loaded.dir, config.output.dir);
  const out = new OutputDir(outDir);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new InvalidArgumentError(`the output folder ${outDir} is a file; choose a folder with --out or output.dir`);
  }
  if (!force && out.isForeign()) {
    progress.warn(`${outDir} holds files that netsynth did not write (no stages/ folder)`);
    throw new OutputExistsError(outDir);
  }
  const state = new RunState({
    loaded,
    config,
    seed,
    out,
    plugins,
    progress,
    force,
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.shard !== undefined && { shard: options.shard }),
    ...(options.presampled !== undefined && { presampled: options.presampled }),
  });

  // Plan: every stage's input hash chains the previous one, so a change anywhere redoes what follows.
  const names = untilStage(activeStages(config, plugins), options.until);
  let forcedFrom = force ? 0 : Number.POSITIVE_INFINITY;
  if (options.from !== undefined) {
    if (!names.includes(options.from)) {
      throw new InvalidArgumentError(`--from ${options.from}: this config has no such stage; its stages are ${names.join(', ')}`);
    }
    forcedFrom = Math.min(forcedFrom, names.indexOf(options.from));
  }
  const plan: PlannedStage[] = [];
  let upstream = '';
  for (const [index, name] of names.entries()) {
    const stage = ALL_STAGES[name];
    const forced = index >= forcedFrom;
    const hash = sha256Json({ stage: name, upstream, seed: state.seeds[name], inputs: await stage.inputs(state) });
    upstream = hash;
    const done = await out.readDone(name);
    const started = await out.readStarted(name);
    let complete = done !== undefined && done.inputHash === hash && done.outputs.every((o) => existsSync(out.path(o)));
    if (complete && done && !forced) {
      // Skip only outputs that are still what the stage wrote (sha256 recorded in its marker, or in manifest.json).
      const damaged = await damagedOutputs(out, done.files ?? (await manifestFilesUnder(out, done.outputs)));
      if (damaged.length > 0) {
        progress.warn(`stage ${name}: ${damaged.join(', ')} changed since the stage wrote it (sha256 differs); running it again`);
        complete = false;
      }
    }
    const skip = !forced && complete;
    const resume = !forced && !done && started?.inputHash === hash;
    if (!forced && !skip) {
      const foreignHash = (done && done.inputHash !== hash) || (!done && started && started.inputHash !== hash);
      const leftover = !done && !started ? out.firstExisting(stage.outputs(state)) : undefined;
      if (foreignHash || leftover) {
        const existing = out.firstExisting(stage.outputs(state)) ?? out.path(`stages/${name}.done.json`);
        progress.warn(
          foreignHash
            ? `stage ${name}: ${outDir} holds its outputs from a different config or different inputs`
            : `stage ${name}: ${existing} exists but no finished stage made it`,
        );
        throw new OutputExistsError(existing);
      }
    }
    plan.push({ stage, hash, done, skip, resume });
  }
  if (!force) await refuseStaleStages(out, state, activeStages(config, plugins), progress);
  const configHash = sha256Json({ ...config, output: { ...config.output, dir: null } });

  if (force) {
    // Redo everything: clear what every stage (also ones this config no longer has) wrote before.
    for (const name of STAGE_NAMES) {
      await out.remove(ALL_STAGES[name].outputs(state));
      await out.clearMarkers(name);
    }
  }

  const stale = await removeStaleTempFiles(outDir);
  if (stale.length > 0) progress.log(`removed ${stale.length} temp file(s) an interrupted run left in ${outDir}`);
  progress.log(`netsynth run ${loaded.file} → ${outDir} (seed ${seed}; stages: ${names.join(', ')})`);
  const reports: StageReport[] = [];
  const markers: StageMarker[] = [];
  for (const p of plan) {
    const { stage } = p;
    state.checkAborted();
    if (p.skip && p.done) {
      progress.log(`stage ${stage.name}: already done, skipped (${p.done.summary})`);
      reports.push({ name: stage.name, status: 'skipped', seconds: p.done.seconds, summary: p.done.summary, inputHash: p.hash });
      markers.push(p.done);
      continue;
    }
    await out.markStarted(stage.name, p.hash);
    const keep = p.resume ? (stage.keepOnResume ?? []) : [];
    await out.remove(stage.outputs(state).filter((o) => !keep.includes(o)));
    progress.log(`stage ${stage.name}: running${p.resume && keep.length ? ' (resuming)' : ''}`);
    const t0 = performance.now();
    const result = await stage.run(state);
    const seconds = (performance.now() - t0) / 1000;
    const marker: StageMarker = {
      stage: stage.name,
      inputHash: p.hash,
      finishedAt: new Date().toISOString(),
      seconds,
      summary: result.summary,
      outputs: result.outputs,
      files: await listOutputs(out, result.outputs),
      ...(result.details !== undefined && { details: result.details }),
    };
    await out.markDone(marker);
    markers.push(marker);
    progress.log(`stage ${stage.name}: done in ${formatSeconds(seconds)}: ${result.summary}`);
    reports.push({ name: stage.name, status: 'ran', seconds, summary: result.summary, inputHash: p.hash });
  }

  const outputs = await listOutputs(out, [...new Set(markers.flatMap((m) => m.outputs))]);
  const manifestPath = out.path(OUT.manifest);
  const manifest = {
    format: 'netsynth.manifest/1',
    createdAt: new Date().toISOString(),
    runner: { name: '@netsynth/runner', version: runnerVersion() },
    config: {
      file: loaded.file,
      name: config.name ?? null,
      fileSha256: sha256Text(loaded.text),
      hash: configHash,
      resolved: config,
    },
    seed,
    ...(options.shard && { shard: options.shard }),
    seeds: {
      stages: state.seeds,
      plugins: Object.fromEntries(pluginsForManifest(plugins).map((p) => [(p as { configPath: string }).configPath, (p as { seed: number }).seed])),
    },
    plugins: pluginsForManifest(plugins),
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      onnxruntime: onnxRuntimeVersion(plugins),
    },
    stages: reports.map((r) => ({ ...r, outputs: markers.find((m) => m.stage === r.name)?.outputs ?? [] })),
    // The generator's differential-privacy guarantee (null: not trained with DP-SGD).
    dp: trainingPrivacy(markers.find((m) => m.stage === 'train')) ?? null,
    outputs,
  };
  await writeFileAtomic(manifestPath, toJson(manifest), { force: true });

  let metrics: MetricsFile | undefined;
  if (names.includes('evaluate') && existsSync(out.path(OUT.metrics))) {
    metrics = await readMetricsFile(out.path(OUT.metrics), seed);
  }
  const reportPath = names.includes('evaluate') && existsSync(out.path(OUT.report)) ? out.path(OUT.report) : undefined;
  return { outDir, manifestPath, configHash, seed, stages: reports, metrics, ...(reportPath && { reportPath }), outputs };
}
