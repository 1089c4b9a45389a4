import { EngineError, type GeneratedSample, type ImageTensor, type JsonValue } from '@netsynth/core';
import { writeTensorFile } from '../../tensor-file.js';
import { OUT, REFERENCES_PER_LABEL } from '../paths.js';
import type { Stage } from '../stage.js';
import { formatCounts } from './common.js';
import { renderImages } from './images.js';

/** Stable ids of generated samples: `<label>#<k>`, k counting within the label. */
export function generatedIds(samples: readonly { label: string }[]): string[] {
  const next = new Map<string, number>();
  return samples.map((s) => {
    const k = next.get(s.label) ?? 0;
    next.set(s.label, k + 1);
    return `${s.label}#${k}`;
  });
}

/** generator.sample: `generator.samplesPerLabel` images per label from the trained model. */
export const sampleStage: Stage = {
  name: 'sample',
  inputs: (state) => ({ samplesPerLabel: state.config.generator?.samplesPerLabel ?? null }),
  outputs: () => [OUT.generatedTensors, OUT.syntheticImages],
  async run(state) {
    const use = state.config.generator;
    if (!use) throw new Error('sample stage without a generator');
    const encoded = await state.encoded();
    const labels = [...new Set(encoded.trainLabels)].sort();
    const perLabel: Record<string, number> =
      typeof use.samplesPerLabel === 'number' ? Object.fromEntries(labels.map((l) => [l, use.samplesPerLabel as number])) : { ...use.samplesPerLabel };
    for (const label of Object.keys(perLabel)) {
      if (!labels.includes(label)) state.progress.warn(`generator.samplesPerLabel names "${label}", which has no training sample (labels: ${labels.join(', ')})`);
    }
    const references: Record<string, ImageTensor[]> = {};
    encoded.train.forEach((tensor, i) => {
      const label = encoded.trainLabels[i] ?? '';
      const list = (references[label] ??= []);
      if (list.length < REFERENCES_PER_LABEL) list.push(tensor);
    });
    const generator = await state.generator();
    const ctx = await state.context(state.seeds.sample, `${OUT.work}/generator`);
    const samples: GeneratedSample[] = await generator.sample(state.out.path(OUT.model), { perLabel, references }, ctx);
    state.checkAborted();
    const { channels, height, width } = encoded.info;
    samples.forEach((s, i) => {
      const t = s.tensor;
      if (t.channels !== channels || t.height !== height || t.width !== width || t.data.length !== channels * height * width) {
        throw new EngineError(`generated image ${i} (${s.label}) is ${t.channels}×${t.height}×${t.width}; the encoder's images are ${channels}×${height}×${width}`);
      }
    });
    const ids = generatedIds(samples);
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
      rendered = await renderImages(state, await state.encoder(), samples, OUT.syntheticImages);
      if (rendered > 0) outputs.push(OUT.syntheticImages);
    }
    state.provide('generated', samples);
    const counts: Record<string, number> = {};
    for (const s of samples) counts[s.label] = (counts[s.label] ?? 0) + 1;
    return {
      summary: `${samples.length} synthetic images (${formatCounts(counts)})${rendered ? `; ${rendered} PNG renders` : ''}`,
      outputs,
      details: { samples: samples.length, perLabel: counts },
    };
  },
};
