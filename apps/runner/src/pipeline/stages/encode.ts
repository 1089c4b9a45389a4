import { writeFileAtomic, type Encoder, type ImageTensor, type JsonValue, type LabelledSample } from '@netsynth/core';
import { toJson } from '../../json.js';
import { TensorFileWriter } from '../../tensor-file.js';
import { OUT } from '../paths.js';
import type { Stage } from '../stage.js';
import type { EncoderStateFile, RunState } from '../state.js';
import { pluginIdentity } from './common.js';
import { renderImages } from './images.js';
import { EncodedKey, EncoderKey, IngestKey } from '../artifacts.js';

async function encodeSet(state: RunState, encoder: Encoder, samples: readonly LabelledSample[], fileRel: string, info: JsonValue): Promise<ImageTensor[]> {
  const { channels, height, width } = encoder.info();
  const writer = await TensorFileWriter.open(
    state.out.path(fileRel),
    { count: samples.length, channels, height, width, labels: samples.map((s) => s.label), ids: samples.map((s) => s.id), info },
    { force: true },
  );
  const task = state.progress.start(`encode ${fileRel}`, samples.length, 'samples');
  const tensors: ImageTensor[] = [];
  try {
    for (const sample of samples) {
      state.checkAborted();
      const tensor = encoder.encode(sample);
      await writer.write(tensor);
      tensors.push(tensor);
      task.tick(1);
    }
  } catch (e) {
    await writer.abort();
    throw e;
  } finally {
    task.done();
  }
  await writer.close();
  return tensors;
}

/** Fits the encoder on the training samples and encodes train and holdout into tensor files (plus PNG renders). */
export const encodeStage: Stage = {
  name: 'encode',
  inputs: (state) => ({ encoder: state.plugins.encoder && pluginIdentity(state.plugins.encoder), images: state.config.output.images }),
  outputs: () => [OUT.encoderState, OUT.trainTensors, OUT.holdoutTensors, OUT.realImages, `${OUT.work}/encoder`],
  async run(state) {
    const use = state.plugins.encoder;
    if (!use) throw new Error('encode stage without an encoder');
    const { train, holdout } = await state.get(IngestKey);
    const encoder = await state.createEncoder();
    if (encoder.fit) await encoder.fit(train);
    state.checkAborted();
    const info = encoder.info();
    const options = (state.config.encoder?.options ?? {}) as JsonValue;
    const stateFile: EncoderStateFile = { plugin: use.loaded.def.name, version: use.loaded.def.version, options, info, state: encoder.state() };
    await writeFileAtomic(state.out.path(OUT.encoderState), toJson(stateFile), { force: true });
    const fileInfo = { encoder: use.loaded.def.name, ...info } as unknown as JsonValue;
    const trainTensors = await encodeSet(state, encoder, train, OUT.trainTensors, fileInfo);
    const holdoutTensors = holdout.length > 0 ? await encodeSet(state, encoder, holdout, OUT.holdoutTensors, fileInfo) : [];
    const outputs: string[] = [OUT.encoderState, OUT.trainTensors];
    if (holdout.length > 0) outputs.push(OUT.holdoutTensors);
    let rendered = 0;
    if (state.config.output.images) {
      rendered = await renderImages(
        state,
        encoder,
        train.map((s, i) => ({ label: s.label, tensor: trainTensors[i] as ImageTensor })),
        OUT.realImages,
      );
      if (rendered > 0) outputs.push(OUT.realImages);
    }
    state.provide(EncoderKey, encoder);
    state.provide(EncodedKey, {
      info,
      state: stateFile.state,
      train: trainTensors,
      trainLabels: train.map((s) => s.label),
      holdout: holdoutTensors,
      holdoutLabels: holdout.map((s) => s.label),
    });
    return {
      summary: `${train.length} train + ${holdout.length} holdout samples → ${info.channels}×${info.height}×${info.width} tensors in [${info.valueRange.join(', ')}]${rendered ? `; ${rendered} PNG renders` : ''}`,
      outputs,
      details: { train: train.length, holdout: holdout.length, shape: [info.channels, info.height, info.width], images: rendered },
    };
  },
};
