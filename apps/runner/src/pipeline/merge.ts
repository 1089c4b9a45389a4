import { existsSync } from 'node:fs';
import { cp, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, OutputExistsError, parseRunConfig, writeFileAtomic, type ProgressReporter } from '@netsynth/core';
import type { LoadedConfig } from '../config-file.js';
import { sha256Json } from '../hash.js';
import { toJson } from '../json.js';
import { readTensorFile } from '../tensor-file.js';
import { OutputDir } from './output-dir.js';
import { OUT } from './paths.js';
import { runLoadedConfig, type RunResult } from './run-pipeline.js';
import type { IndexedSample, Shard } from './shard.js';

/** Stages every shard ran alike (their hashes do not depend on the shard): the merge takes them from the first. */
const SHARED_STAGES = ['ingest', 'encode', 'train'] as const;
const MERGE_MARKER = 'stages/merge.json';

interface ShardManifest {
  dir: string;
  shard: Shard;
  seed: number;
  configHash: string;
  configFile: string;
  resolved: unknown;
}

export interface MergeOptions {
  outDir: string;
  force?: boolean;
  cwd?: string;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

async function readShardManifest(dir: string): Promise<ShardManifest> {
  const file = join(dir, OUT.manifest);
  let m: { shard?: Shard; seed?: number; config?: { hash?: string; file?: string; resolved?: unknown } };
  try {
    m = JSON.parse(await readFile(file, 'utf8')) as typeof m;
  } catch (e) {
    throw new InvalidArgumentError(`not a finished netsynth run (cannot read its manifest: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file,
      cause: e,
    });
  }
  if (!m.shard || typeof m.seed !== 'number' || !m.config?.hash || !m.config.file) {
    throw new InvalidArgumentError('this run was not made with --shard K/N (its manifest names no shard)', { file });
  }
  return { dir, shard: m.shard, seed: m.seed, configHash: m.config.hash, configFile: m.config.file, resolved: m.config.resolved };
}

/** The shards of one run, each share once: same config, seed and shard count. */
function checkComplete(shards: readonly ShardManifest[]): void {
  const [first] = shards;
  if (!first) throw new InvalidArgumentError('netsynth merge needs the shard folders of one run');
  const seen = new Map<number, string>();
  for (const s of shards) {
    const where = join(s.dir, OUT.manifest);
    if (s.configHash !== first.configHash || s.seed !== first.seed)
      throw new InvalidArgumentError(`a shard of another config or seed than ${first.dir}`, { file: where });
    if (s.shard.count !== first.shard.count)
      throw new InvalidArgumentError(`shard ${s.shard.index}/${s.shard.count} does not belong with ${first.shard.index}/${first.shard.count}`, { file: where });
    const twin = seen.get(s.shard.index);
    if (twin) throw new InvalidArgumentError(`shard ${s.shard.index}/${s.shard.count} is given twice (also ${twin})`, { file: where });
    seen.set(s.shard.index, s.dir);
  }
  const missing = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length) throw new InvalidArgumentError(`shards ${missing.map((k) => `${k}/${first.shard.count}`).join(', ')} are missing`);
}

/** The run's config as the shards recorded it (after --set), relative paths against the config file's folder. */
async function shardConfig(s: ShardManifest): Promise<LoadedConfig> {
  const text = existsSync(s.configFile) ? await readFile(s.configFile, 'utf8') : '';
  const where = (p: string): string => `${join(s.dir, OUT.manifest)} (config.resolved.${p})`;
  return { config: parseRunConfig(s.resolved), raw: s.resolved, file: s.configFile, dir: dirname(s.configFile), text, where };
}

/** The generated samples of every shard, with their index within their label (from the ids `label#k`). */
async function shardSamples(shards: readonly ShardManifest[]): Promise<IndexedSample[]> {
  const out: IndexedSample[] = [];
  for (const s of shards) {
    const file = join(s.dir, OUT.generatedTensors);
    const contents = await readTensorFile(file);
    contents.tensors.forEach((tensor, i) => {
      const id = contents.ids[i] ?? '';
      const k = Number(id.slice(id.lastIndexOf('#') + 1));
      if (!id.includes('#') || !Number.isSafeInteger(k)) throw new InvalidArgumentError(`sample ${i} has the id "${id}", not label#k`, { file });
      out.push({ label: contents.labels[i] ?? '', tensor, k });
    });
  }
  return out;
}

/** Starts the merged folder with the first shard's ingest, encode and train stages (identical in every shard). */
async function seedFolder(out: OutputDir, from: OutputDir): Promise<void> {
  for (const stage of SHARED_STAGES) {
    const marker = await from.readDone(stage);
    if (!marker) continue;
    for (const rel of marker.outputs) {
      if (existsSync(from.path(rel))) await cp(from.path(rel), out.path(rel), { recursive: true, force: true });
    }
    await cp(join(from.stagesDir, `${stage}.done.json`), join(out.stagesDir, `${stage}.done.json`), { force: true });
  }
}

/** Refuses a folder with other contents unless --force; an earlier merge of the same shards resumes. */
async function prepareFolder(out: OutputDir, key: string, force: boolean): Promise<void> {
  if (force) await rm(out.root, { recursive: true, force: true });
  else if (existsSync(out.root) && (out.isForeign() || existsSync(out.stagesDir))) {
    const earlier = existsSync(out.path(MERGE_MARKER)) ? (JSON.parse(await readFile(out.path(MERGE_MARKER), 'utf8')) as { key?: string }).key : undefined;
    if (earlier !== key) throw new OutputExistsError(out.root);
  }
  await writeFileAtomic(out.path(MERGE_MARKER), toJson({ key }), { force: true });
}

/**
 * `netsynth merge`: the shards' samples in one-process order, then decode, constraints, pcap
 * and evaluate over the whole set, so synthetic.pcap, the samples and the metrics are the bytes
 * one process would have written (the shards' own decode/constraints outputs are for checking a
 * share; recomputing them from the merged tensors takes seconds and keeps the bytes independent
 * of how the work was split).
 */
export async function mergeShards(dirs: readonly string[], o: MergeOptions): Promise<RunResult> {
  const cwd = o.cwd ?? process.cwd();
  const shards = (await Promise.all(dirs.map((d) => readShardManifest(resolve(cwd, d))))).sort((a, b) => a.shard.index - b.shard.index);
  checkComplete(shards);
  const first = shards[0] as ShardManifest;
  const out = new OutputDir(resolve(cwd, o.outDir));
  await prepareFolder(out, sha256Json({ config: first.configHash, seed: first.seed, shards: shards.map((s) => s.dir) }), o.force ?? false);
  await seedFolder(out, new OutputDir(first.dir));
  const presampled = await shardSamples(shards);
  return runLoadedConfig(await shardConfig(first), {
    cwd,
    outDir: out.root,
    seed: first.seed,
    presampled,
    ...(o.progress && { progress: o.progress }),
    ...(o.signal && { signal: o.signal }),
  });
}
