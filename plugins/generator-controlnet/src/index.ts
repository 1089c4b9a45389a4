import { definePlugin } from '@netsynth/core';
import { ControlNetExtension, EXTENSION_NAME } from './extension.js';
import { controlNetOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { ControlNetExtension, EXTENSION_NAME } from './extension.js';
export { controlNetOptionsSchema, controlActive, type ControlNetOptions, type ControlNetOptionsInput } from './options.js';
export { ControlNetModel, type ControlNetInputNames, type ControlNetStep, type ControlNetOutput } from './model/controlnet-model.js';
export type { SessionOptions } from './model/session.js';
export { toHalf, fromHalf } from './model/half.js';
export { controlMap, stackControl, type ControlKind, type ControlMapOptions } from './control/control-map.js';
export { cannyEdges, type CannyOptions } from './control/edges.js';
export { presenceMask, tensorPicture, absentRuleOf, type AbsentRule } from './control/picture.js';
export { areaResizePlane } from './control/resize.js';
export { createRgbImage, grayToRgb, type RgbImage } from './control/rgb.js';
export { TinyControlNet, ConditioningEmbedding, type TinyControlNetConfig } from './tiny/tiny-controlnet.js';
export {
  buildTinyControlNet,
  createTinyControlNet,
  exportTinyControlNet,
  readTinyFolder,
  type TinyControlNetOptions,
  type TinyControlNetInfo,
} from './tiny/build.js';

export default definePlugin({
  name: EXTENSION_NAME,
  kind: 'extension',
  version: pkg.version,
  description: 'ControlNet beside the Stable Diffusion UNet, steered by nPrint structure maps or Canny edges of real samples',
  options: controlNetOptionsSchema,
  create: (options, ctx) =>
    new ControlNetExtension(options, {
      seed: ctx.seed,
      baseDir: ctx.baseDir,
      workDir: ctx.workDir,
      ...(ctx.executionProviders && { executionProviders: ctx.executionProviders }),
    }),
});
