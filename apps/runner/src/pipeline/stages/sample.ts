import {
  EngineError,
  InvalidArgumentError,
  type GeneratedSample,
  type ImageTensor,
  type JsonValue,
  type SampleRequest,
  type SamplesAtMix,
} from '@netsynth/core';
import { writeTensorFile } from '../../tensor-file.js';
import { OUT, REFERENCES_PER_LABEL } from '../paths.js';
import { mergeShares, shardRequest } from '../shard.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';
import { formatCounts } from './common.js';
import { renderImages } from './images.js';
import { EncodedKey, EncoderKey, GeneratedKey, GeneratorKey, IngestKey } from '../artifacts.js';
import { learnArrivals } from '../arrivals.js';
import { countsAtMix, isAtMix, type MixCounts } from '../mix-counts.js';
import { countByLabel } from '../split.js';

/** Stable ids of generated samples: `<label>#<k>`, k counting within the label from `first[label]` (a shard's first index; default 0). */
export function generatedIds(samples: readonly { label: string }[], first: Readonly<Record<string, number>> = {}): string[] {
  const next = new Map<string, number>();
  return samples.map((s) => {
    const k = next.get(s.label) ?? first[s.label] ?? 0;
    next.set(s.label, k + 1);
    return `${s.label}#${k}`;
  });
}

function nonFinite(values: Float32Array): number {
  let n = 0;
  for (const v of values) if (!Number.isFinite(v)) n++;
  return n;
}

/** Samples per label the config asks for (all of them, whatever the shard), labels warned about when they have no training sample. */
async function wantedPerLabel(state: RunState, labels: readonly string[], warn: boolean): Promise<{ perLabel: Record<string, number>; mix?: MixCounts }> {
  const use = state.config.generator;
  if (!use) throw new Error('sample stage without a generator');
  const spec = use.samplesPerLabel;
  if (typeof spec === 'number') return { perLabel: Object.fromEntries(labels.map((l) => [l, spec])) };
  if (isAtMix(spec)) {
    const mix = await mixCounts(state, spec, warn);
    return { perLabel: mix.perLabel, mix };
  }
  const perLabel = { ...spec };
  if (warn) {
    for (const label of Object.keys(perLabel)) {
      if (!labels.includes(label))
        state.progress.warn(`generator.samplesPerLabel names "${label}", which has no training sample (labels: ${labels.join(', ')})`);
    }
  }
  return { perLabel };
}

/** `samplesPerLabel: {mix: capture}`: counts from the real training trace's flows per class (mix-counts.ts). */
async function mixCounts(state: RunState, spec: SamplesAtMix, warn: boolean): Promise<MixCounts> {
  const { train, holdout } = await state.get(IngestKey);
  const flows = new Map([...learnArrivals(train)].map(([label, a]) => [label, a.startsNs.length]));
  const counts = countsAtMix(spec, flows, new Map(Object.entries(countByLabel(holdout))));
  if (warn && counts.raised.length) {
    state.progress.warn(
      `generator.samplesPerLabel: ${counts.raised.join(', ')} raised to ${spec.min === 'holdout' ? 'the holdout size' : spec.min} above ${spec.total} samples' share of the capture's mix; the trace over-represents ${counts.raised.length > 1 ? 'them' : 'it'} (leave total out to scale every label instead)`,
    );
  }
  return counts;
}

/**
 * The request of this process: every sample, or the share of `--shard K/N` (first index per label
 * included); with `samplesPerLabel: {mix: capture}` also how the counts were reached.
 */
export async function sampleShare(
  state: RunState,
  warn = false,
): Promise<{ perLabel: Record<string, number>; first: Record<string, number>; mix?: MixCounts }> {
  const encoded = await state.get(EncodedKey);
  const labels = [...new Set(encoded.trainLabels)].sort();
  const wanted = await wantedPerLabel(state, labels, warn);
  return { ...shardRequest(wanted.perLabel, state.shard), ...(wanted.mix && { mix: wanted.mix }) };
}

/** What the generator makes: the merged shards when given, else its own samples of this process's share. */
async function makeSamples(state: RunState, request: SampleRequest): Promise<GeneratedSample[]> {
  if (state.presampled) return mergeShares(state.presampled, request.perLabel);
  const generator = await state.get(GeneratorKey);
  if (state.shard && !generator.indexedSampling) {
    throw new InvalidArgumentError(
      `--shard: ${generator.name} does not make sample k of a label independently of the others (no indexedSampling), so shards could not merge into one run's bytes`,
    );
  }
  const ctx = await state.context(state.seeds.sample, `${OUT.work}/generator`);
  return generator.sample(state.out.path(OUT.model), request, ctx);
}

export const sampleStage: Stage = {
  name: 'sample',
  // A shard's samples are its own (a different hash); merged shards are the whole run's.
  inputs: (state) => ({
    samplesPerLabel: state.config.generator?.samplesPerLabel ?? null,
    ...(state.shard && { shard: `${state.shard.index}/${state.shard.count}` }),
  }),
  outputs: () => [OUT.generatedTensors, OUT.syntheticImages],
  async run(state) {
    const use = state.config.generator;
    if (!use) throw new Error('sample stage without a generator');
    const encoded = await state.get(EncodedKey);
    const { perLabel, first, mix } = await sampleShare(state, true);
    const references: Record<string, ImageTensor[]> = {};
    encoded.train.forEach((tensor, i) => {
      const label = encoded.trainLabels[i] ?? '';
      const list = (references[label] ??= []);
      if (list.length < REFERENCES_PER_LABEL) list.push(tensor);
    });
    const samples = await makeSamples(state, { perLabel, references, first });
    state.checkAborted();
    const { channels, height, width } = encoded.info;
    samples.forEach((s, i) => {
      const t = s.tensor;
      if (t.channels !== channels || t.height !== height || t.width !== width || t.data.length !== channels * height * width) {
        throw new EngineError(
          `generated image ${i} (${s.label}) is ${t.channels}×${t.height}×${t.width}; the encoder's images are ${channels}×${height}×${width}`,
        );
      }
      const bad = nonFinite(t.data);
      if (bad > 0) {
        // A diverged or damaged model: decoding NaN would silently make empty samples.
        throw new EngineError(
          `sample stage: generated image ${i} (${s.label}) holds ${bad} NaN/Inf value(s) of ${t.data.length}; the model diverged or its weights are damaged (train again with --force)`,
          { file: state.out.path(OUT.model) },
        );
      }
    });
    const ids = generatedIds(samples, first);
    await writeTensorFile(
      state.out.path(OUT.generatedTensors),
      samples.map((s, i) => ({ tensor: s.tensor, label: s.label, id: ids[i] ?? String(i) })),
      { channels, height, width },
      { generator: use.plugin, encoder: state.plugins.encoder?.loaded.def.name ?? null } as JsonValue,
      { force: true },
    );
    const outputs: string[] = [OUT.generatedTensors];
    let rendered = 0;
    if (state.config.output.images && samples.length > 0) {
      rendered = await renderImages(state, await state.get(EncoderKey), samples, OUT.syntheticImages);
      if (rendered > 0) outputs.push(OUT.syntheticImages);
    }
    state.provide(GeneratedKey, samples);
    const counts: Record<string, number> = {};
    for (const s of samples) counts[s.label] = (counts[s.label] ?? 0) + 1;
    const atMix = mix
      ? ` at the capture's class mix (${mix.scale.toFixed(2)} per real training flow${mix.raised.length ? `; ${mix.raised.join(', ')} raised to the minimum` : ''})`
      : '';
    return {
      summary: `${samples.length} synthetic images${atMix} (${formatCounts(counts)})${rendered ? `; ${rendered} PNG renders` : ''}`,
      outputs,
      details: { samples: samples.length, perLabel: counts, ...(mix && { mix: { scale: mix.scale, raised: mix.raised } }) },
    };
  },
};
