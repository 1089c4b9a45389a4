import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Encoder, GeneratedSample, Generator, GeneratorExtension } from '@netsynth/core';
import { emptyTruncationCounts, loadSamples } from '@netsynth/pcap';
import { readTensorFile } from '../tensor-file.js';
import { artifactKey } from './artifact-key.js';
import { OUT } from './paths.js';
import { isRecordsRun, loadRecordInput } from './records.js';
import { readSampleStore, type StoredSample } from './sample-store.js';
import { splitHoldout } from './split.js';
import type { EncodedSets, IngestResult } from './state.js';

// The artifacts of a run. Each loader is what a later stage gets when the producing stage
// is not run again: the stage's files read back, or (for live objects) a fresh instance.

/** The captures as labelled samples, split into train and holdout. Deterministic: re-reading gives the same. */
export const IngestKey = artifactKey<IngestResult>('ingest', async (state) => {
  const options = { seed: state.seeds.ingest, progress: state.progress, ...(state.signal !== undefined && { signal: state.signal }) };
  const truncated = emptyTruncationCounts();
  const all = isRecordsRun(state.config)
    ? await loadRecordInput(state.config, state.loaded, options)
    : await loadSamples(state.config.input, state.loaded.dir, { ...options, truncated });
  state.checkAborted();
  const { train, holdout } = splitHoldout(all, state.config.input.holdout, state.seeds.ingest, state.config.input.split);
  return { all, train, holdout, truncated };
});

/** The fitted encoder: from the encode stage, or a new instance with the state it saved. */
export const EncoderKey = artifactKey<Encoder>('encoder', async (state) => {
  const encoder = await state.createEncoder();
  encoder.loadState((await state.encoderState()).state);
  return encoder;
});

export const EncodedKey = artifactKey<EncodedSets>('encoded', async (state) => {
  const { info, state: encoderState } = await state.encoderState();
  const train = await readTensorFile(state.out.path(OUT.trainTensors));
  const holdoutFile = state.out.path(OUT.holdoutTensors);
  const holdout = existsSync(holdoutFile) ? await readTensorFile(holdoutFile) : undefined;
  return {
    info,
    state: encoderState,
    train: train.tensors,
    trainLabels: train.labels,
    holdout: holdout?.tensors ?? [],
    holdoutLabels: holdout?.labels ?? [],
  };
});

/** The generator's extensions, created once, each with its own seed and work folder. */
export const ExtensionsKey = artifactKey<GeneratorExtension[]>('extensions', async (state) => {
  const created: GeneratorExtension[] = [];
  for (const [i, use] of (state.plugins.extensions ?? []).entries()) {
    const ctx = await state.context(use.seed, join(OUT.work, `extension-${i}`));
    created.push(await use.loaded.def.create(use.options, ctx));
  }
  return created;
});

export const GeneratorKey = artifactKey<Generator>('generator', async (state) => {
  const use = state.plugins.generator;
  if (!use) throw new Error('no generator in the config');
  const ctx = await state.context(state.seeds.train, join(OUT.work, 'generator'));
  return use.loaded.def.create(use.options, { ...ctx, extensions: await state.get(ExtensionsKey) });
});

export const GeneratedKey = artifactKey<GeneratedSample[]>('generated', async (state) => {
  const file = await readTensorFile(state.out.path(OUT.generatedTensors));
  return file.tensors.map((tensor, i) => ({ tensor, label: file.labels[i] ?? '' }));
});

export const DecodedKey = artifactKey<StoredSample[]>('decoded', (state) => readSampleStore(state.out.path(OUT.decoded)));

export const RepairedKey = artifactKey<StoredSample[]>('repaired', (state) => readSampleStore(state.out.path(OUT.repaired)));
