import type { TruncationCounts } from '@netsynth/pcap';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InterruptedError,
  ModelFileError,
  createRng,
  deriveSeed,
  type Encoder,
  type EncoderInfo,
  type ImageTensor,
  type JsonValue,
  type LabelledSample,
  type PluginContext,
  type PluginKind,
  type ProgressReporter,
  type RunConfig,
} from '@netsynth/core';
import type { LoadedConfig } from '../config-file.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import type { ArtifactKey } from './artifact-key.js';
import { DecodedKey, IngestKey, RepairedKey } from './artifacts.js';
import { OutputDir } from './output-dir.js';
import { OUT } from './paths.js';
import type { StoredSample } from './sample-store.js';
import type { IndexedSample, Shard } from './shard.js';

export const STAGE_NAMES = ['ingest', 'encode', 'train', 'sample', 'decode', 'constraints', 'pcap', 'evaluate'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** One plugin named in the config, loaded, with its validated options and its seed. */
export interface PluginUse<K extends PluginKind> {
  /** Its place in the config: `encoder`, `generator`, `constraints.0`, `evaluators.1`. */
  configPath: string;
  loaded: LoadedPlugin<K>;
  options: unknown;
  seed: number;
}

export interface ResolvedPlugins {
  encoder?: PluginUse<'encoder'>;
  generator?: PluginUse<'generator'>;
  /** `generator.extensions`, in config order. */
  extensions?: PluginUse<'extension'>[];
  constraints: PluginUse<'constraint'>[];
  evaluators: PluginUse<'evaluator'>[];
}

export interface IngestResult {
  all: LabelledSample[];
  train: LabelledSample[];
  holdout: LabelledSample[];
  /** Packets of the captures the snap length cut (kept, fields past the cut absent); zero for record input. */
  truncated: TruncationCounts;
}

export interface EncodedSets {
  info: EncoderInfo;
  state: JsonValue;
  train: ImageTensor[];
  /** trainLabels[i] is the class of train[i]. */
  trainLabels: string[];
  holdout: ImageTensor[];
  holdoutLabels: string[];
}

export interface EncoderStateFile {
  plugin: string;
  version: string;
  /** The config's encoder options, so `netsynth decode` of the run rebuilds the same encoder (absent in runs before 0.2). */
  options?: JsonValue;
  info: EncoderInfo;
  state: JsonValue;
}

export interface RunStateInit {
  loaded: LoadedConfig;
  config: RunConfig;
  seed: number;
  out: OutputDir;
  plugins: ResolvedPlugins;
  progress: ProgressReporter;
  signal?: AbortSignal;
  force: boolean;
  /** This process makes one share of the generated samples (`--shard K/N`). */
  shard?: Shard;
  /** Generated samples already made (the merged shards of `netsynth merge`): the sample stage stores them instead of sampling. */
  presampled?: readonly IndexedSample[];
}

/**
 * Everything the stages share: the config, loaded plugins, seeds, the output folder, and
 * the artifacts passed from stage to stage. An artifact is made by its stage when that
 * stage runs, or read back from the stage's files when the stage was finished before
 * (resume), and only when a later stage asks for it.
 */
export class RunState {
  readonly config: RunConfig;
  readonly loaded: LoadedConfig;
  readonly seed: number;
  readonly out: OutputDir;
  readonly plugins: ResolvedPlugins;
  readonly progress: ProgressReporter;
  readonly signal: AbortSignal | undefined;
  readonly force: boolean;
  readonly shard: Shard | undefined;
  readonly presampled: readonly IndexedSample[] | undefined;
  /** Seed of each stage: deriveSeed(run seed, stage name). */
  readonly seeds: Record<StageName, number>;
  private readonly memo = new Map<ArtifactKey<unknown>, Promise<unknown>>();

  constructor(init: RunStateInit) {
    this.config = init.config;
    this.loaded = init.loaded;
    this.seed = init.seed;
    this.out = init.out;
    this.plugins = init.plugins;
    this.progress = init.progress;
    this.signal = init.signal;
    this.force = init.force;
    this.shard = init.shard;
    this.presampled = init.presampled;
    this.seeds = Object.fromEntries(STAGE_NAMES.map((s) => [s, deriveSeed(init.seed, s)])) as Record<StageName, number>;
  }

  /** Throws InterruptedError once Ctrl-C was pressed; stages call it between items. */
  checkAborted(): void {
    if (this.signal?.aborted) throw new InterruptedError('interrupted; finished stages are kept, run the same command again to resume');
  }

  /** The context a plugin gets: its seed and rng, progress, a folder of its own, the config's folder, the abort signal. */
  async context(seed: number, workDirRel: string): Promise<PluginContext> {
    const workDir = this.out.path(workDirRel);
    await mkdir(workDir, { recursive: true });
    return {
      seed,
      rng: createRng(seed),
      progress: this.progress,
      workDir,
      baseDir: this.loaded.dir,
      executionProviders: this.config.runtime.executionProviders,
      ...(this.signal !== undefined && { signal: this.signal }),
    };
  }

  /** The artifact of `key`: what its stage provided in this run, else read back once by the key's loader. */
  get<T>(key: ArtifactKey<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = key.load(this);
      this.memo.set(key, p);
    }
    return p;
  }

  /** Called by the stage that makes the artifact, so later stages skip reading its files back. */
  provide<T>(key: ArtifactKey<T>, value: NoInfer<T>): void {
    this.memo.set(key, Promise.resolve(value));
  }

  /** A fresh encoder instance (the encode stage fits it). */
  async createEncoder(): Promise<Encoder> {
    const use = this.plugins.encoder;
    if (!use) throw new Error('no encoder in the config');
    return use.loaded.def.create(use.options, await this.context(this.seeds.encode, join(OUT.work, 'encoder')));
  }

  async encoderState(): Promise<EncoderStateFile> {
    const file = this.out.path(OUT.encoderState);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as EncoderStateFile;
    } catch (e) {
      throw new ModelFileError('cannot read the saved encoder state', file, undefined, e);
    }
  }

  /**
   * The samples the constraints and the pcap stage work on: decoded synthetic samples when
   * there is a generator, else the real captures' samples.
   */
  async targetSamples(): Promise<StoredSample[]> {
    if (this.plugins.generator) return this.get(DecodedKey);
    const { all } = await this.get(IngestKey);
    return all.map((s) => ({ id: s.id, label: s.label, packets: s.flow.packets, problems: [] }));
  }

  /** The samples as they finally are: repaired when there are constraints, else as decoded / read. */
  finalSamples(): Promise<StoredSample[]> {
    return this.plugins.constraints.length > 0 ? this.get(RepairedKey) : this.targetSamples();
  }
}
