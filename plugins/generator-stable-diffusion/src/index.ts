import { definePlugin } from '@netsynth/core';
import { GENERATOR_NAME, StableDiffusionGenerator } from './gen/generator.js';
import { sdOptionsSchema } from './gen/options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export {
  isUNetResidualExtension,
  DOWN_RESIDUAL_PREFIX,
  MID_RESIDUAL_INPUT,
  type UNetResidualExtension,
  type UNetResiduals,
  type ResidualTensor,
  type ResidualPrepareArgs,
  type ResidualStepArgs,
} from './extension.js';
export { buildTinyStableDiffusion, createTinyUNet, resolveTinyOptions, type TinyStableDiffusionOptions, type TinyStableDiffusionInfo } from './tiny/build.js';
export { TinyUNet, TinyClipText, TinyVaeEncoder, TinyVaeDecoder, type TinyUNetConfig, type UNetResidualValues } from './tiny/models.js';
export { ResnetBlock2D, Transformer2D, BasicTransformerBlock, FeedForward, sdTimestepEmbedding } from './tiny/blocks.js';
export { ClipTokenizer, type ClipTokenizerConfig } from './tokenizer/clip.js';
export { bytesToUnicode, clipBaseVocab } from './tokenizer/bytes.js';
// Re-exported from @netsynth/schedulers (where they moved) so this plugin's public API is unchanged.
export {
  createScheduler,
  schedulerConfigFrom,
  alphasCumprod,
  spacedTimesteps,
  SD15_SCHEDULER,
  type Scheduler,
  type SchedulerKind,
  type SchedulerConfig,
  type SchedulerOptions,
} from '@netsynth/schedulers';
export { readSdFolder, type SdFolder } from './model/folder.js';
export { OnnxComponent, type TensorInfo, type Feed, type RuntimeSettings } from './model/component.js';
export { StableDiffusion, type LoadOptions, type GenerateOptions, type LoraSpec } from './model/pipeline.js';
export { enumerateTargets, kohyaName, type LoraTarget } from './lora/targets.js';
export { readLora, type LoraPair, type LoraTargets, type LoraComponent } from './lora/file.js';
export { mergeLora, loraDelta, type MergeReport } from './lora/merge.js';
export { decodeModel, encodeModel, DataType, type ModelProto, type TensorProto, type NodeProto, type GraphProto } from './onnx/proto.js';
export { tensorFloat32, tensorBytes, setTensorFloat32, halfToFloat, floatToHalf } from './onnx/tensor-data.js';
export { traceNamed, namedTraceContext, torchStyle, torchScope, moduleOfNodeName, toFloat16, writeOnnx, type TraceSpec } from './onnx/export.js';
export { replayOnnx, loadConstants, type LoraBranch } from './lora/replay.js';
export {
  trainLora,
  saveKohyaLora,
  selectTargets,
  LoraParameters,
  DEFAULT_LORA_TARGETS,
  EXTERNAL_DATA_ABOVE,
  type LoraTrainOptions,
  type LoraTrainData,
  type LoraTrainResult,
} from './lora/train.js';
export { StableDiffusionGenerator, GENERATOR_NAME } from './gen/generator.js';
export { sdOptionsSchema, type SdOptions, type SdOptionsInput } from './gen/options.js';
export { Geometry, medianFill, type GeometryConfig, type ImageMode, type ModelTile } from './gen/geometry.js';
export { captionFor, type CaptionOptions } from './gen/captions.js';

export default definePlugin({
  name: GENERATOR_NAME,
  kind: 'generator',
  version: pkg.version,
  description:
    'Stable Diffusion (ONNX export) fine-tuned with LoRA trained in @netsynth/nn; one caption per class; DDIM / Euler ancestral / DPM-Solver++ 2M; ControlNet through generator extensions',
  options: sdOptionsSchema,
  create: (options, ctx) => new StableDiffusionGenerator(options, ctx.extensions ?? []),
});
export { graphMacs, sdUNetMacs, SD15_UNET, type SdUNetShape } from './model/flops.js';
