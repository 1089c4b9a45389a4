import { definePlugin } from '@netsynth/core';
import { DdpmGenerator, GENERATOR_NAME } from './generator.js';
import { ddpmOptionsSchema, type DdpmOptionsInput } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { DdpmGenerator, GENERATOR_NAME } from './generator.js';
export { ddpmOptionsSchema, defaultSampleSteps, SAMPLERS, type DdpmOptions, type DdpmOptionsInput, type SamplerName } from './options.js';
export { makeSchedule, type DdpmSchedule, type ScheduleKind } from './schedule.js';
export { runSampler, guide, type SamplerOptions } from './samplers.js';
export { DenoiserUNet, defaultMults, defaultAttention, defaultMidAttention, type DenoiserSpec } from './unet.js';
export { makeGeometry, padInto, cropFrom, type Geometry } from './geometry.js';
export { fitDdpm, planNetwork, totalSteps, emaDecayAt, type FitPlan, type DdpmFit } from './train.js';
export { planChunks, chunkOf, chunkSequence, CONTINUES, type Chunk, type ChunkMember } from './chunks.js';
export { CHUNKS_FORMAT, chunkSeed, chunkTrainingSets, type ChunksFile } from './chunked-train.js';
export { readTimeAxis, type TimeAxis, type TimeField } from './time-axis.js';
export { sampleDdpm, type DdpmSampler, type SampleStats, type SamplingOptions } from './sample.js';
export { readModelConfig, modelFile, FILES, MODEL_FORMAT, type DdpmModelConfig } from './model-dir.js';

/** A generator with options parsed from a plain object (defaults filled in). */
export function createDdpmGenerator(options: DdpmOptionsInput = {}): DdpmGenerator {
  return new DdpmGenerator(ddpmOptionsSchema.parse(options));
}

export default definePlugin({
  name: GENERATOR_NAME,
  kind: 'generator',
  version: pkg.version,
  description:
    'Class-conditional DDPM (NetDiffus U-Net, 2-D images or 1-D series) trained on the CPU; ancestral, DDIM and DPM-Solver++ sampling of its ONNX export',
  options: ddpmOptionsSchema,
  create: (options) => new DdpmGenerator(options),
});
