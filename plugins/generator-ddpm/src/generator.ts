import type { FitResult, GeneratedSample, Generator, PluginContext, SampleRequest, TrainingSet } from '@netsynth/core';
import type { DdpmOptions } from './options.js';
import { sampleDdpm, type DdpmSampler, type SampleStats } from './sample.js';
import { fitDdpm } from './train.js';
import { clearOtherKind, fitChunked } from './chunked-train.js';
import { isChunked, sampleChunked } from './chunked-sample.js';

export const GENERATOR_NAME = '@netsynth/generator-ddpm';

/** core's Generator: `fit` trains and writes the model directory, `sample` runs its ONNX export. */
export class DdpmGenerator implements Generator {
  readonly name = GENERATOR_NAME;
  /** Sample k of label L starts from the noise stream of (seed, L, k) and images in a batch do not mix: shards merge to one run's bytes. */
  readonly indexedSampling = true;
  constructor(readonly options: DdpmOptions) {}

  async fit(data: TrainingSet, modelDir: string, ctx: PluginContext): Promise<FitResult> {
    if (this.options.timeChunks.count > 1) return fitChunked(data, modelDir, this.options, ctx);
    await clearOtherKind(modelDir, false);
    return fitDdpm(data, modelDir, this.options, ctx);
  }

  /** The folder decides: a time-chunked model (chunks.json) samples chunk by chunk. */
  sample(modelDir: string, request: SampleRequest, ctx: PluginContext, stats?: SampleStats): Promise<GeneratedSample[]> {
    const sample: DdpmSampler = isChunked(modelDir) ? sampleChunked : sampleDdpm;
    return sample(modelDir, request, this.options, ctx, stats);
  }
}
