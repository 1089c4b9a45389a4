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
