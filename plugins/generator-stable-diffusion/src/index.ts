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
export { ResnetBlock2D, Transformer2D, BasicTransformerBlock, Attention, FeedForward, Container, sdTimestepEmbedding } from './tiny/blocks.js';
