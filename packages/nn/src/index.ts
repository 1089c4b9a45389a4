export { Graph, Value, type DType, type Node, type ConstData } from './graph/ir.js';
export * as ops from './graph/ops.js';
export { serializeGraph, type SerializeOptions } from './graph/serialize.js';
export { serializeGraphExternal, writeExternalModel, externalizeInitializers, type ExternalDataOptions, type ExternalModel } from './graph/external-data.js';
export { gradients } from './autodiff/gradients.js';
export { Module, Parameter, initParameters, parameterMap, type Init, type TraceContext } from './layers/module.js';
export {
  Linear,
  Conv1d,
  Conv2d,
  GroupNorm,
  LayerNorm,
  Embedding,
  SiLU,
  GELU,
  Upsample,
  AvgPool2d,
  Dropout,
  Sequential,
  Residual,
  ModuleList,
  ModuleDict,
  type ConvOptions,
} from './layers/basic.js';
export { MultiHeadAttention, type AttentionOptions } from './layers/attention.js';
export { silu, gelu, mseLoss, timestepEmbedding } from './layers/functional.js';
export { sgd, adam, adamw, learningRateAt, type OptimizerConfig, type ScheduleConfig } from './optim/optimizers.js';
export { buildTrainingSession, Trainer, type TrainingOptions, type StepResult, type InputSpec, type FeedValue, type DpSgdOptions } from './train/trainer.js';
export { epochOrder } from './train/data-order.js';
export { exportInference, exportInferenceModel, InferenceSession, type ExportOptions, type Outputs } from './export/inference.js';
export {
  readSafetensors,
  writeSafetensors,
  parseSafetensors,
  encodeSafetensors,
  tensorToFloat32,
  type SafeTensor,
  type SafetensorsFile,
  type SafetensorsDType,
  type TensorToWrite,
} from './io/safetensors.js';
export { createOrtSession, ortSessionOptions, resolveExecutionProviders, type RuntimeOptions, type ExecutionProvider } from './runtime/ort.js';
export { pluginRuntime, type ProviderContext } from './runtime/plugin-runtime.js';
export { buildBenchUNet, UNet, type UNetOptions } from './models/unet.js';
export { ResBlock, SpatialSelfAttention, convNd, type ResBlockOptions, type UNetDims } from './models/unet-blocks.js';
export { decodeOnnxModel, encodeOnnxModel, newOnnxMessage } from './onnx/proto.js';
