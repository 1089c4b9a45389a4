import { InvalidArgumentError, type EncoderInfo, type ImageTensor } from '@netsynth/core';
import { cannyEdges, type CannyOptions } from './edges.js';
import { presenceMask, tensorPicture } from './picture.js';
import { areaResizePlane } from './resize.js';
import { createRgbImage, grayToRgb, type RgbImage } from './rgb.js';

export type ControlKind = 'structure' | 'edges';

export interface ControlMapOptions {
  kind: ControlKind;
  /** Pipeline image size (the ControlNet's conditioning input, 8× the latent size for SD). */
  width: number;
  height: number;
  canny: CannyOptions;
}

/**
 * The control image of one real sample, RGB in [0, 1] at the pipeline size.
 * - `structure`: the nPrint presence mask (1 = bit present, 0 = -1), area-resized, so a pixel
 *   holds the share of present bits it covers; grey (all three planes equal).
 * - `edges`: the sample's picture area-resized to the pipeline size first, then Canny — the
 *   order of NetDiffusion's web UI, whose preprocessor runs at the generation resolution, so
 *   edges are one pixel thin where the ControlNet looks; white edges on black.
 */
export function controlMap(reference: ImageTensor, info: EncoderInfo | undefined, o: ControlMapOptions): RgbImage {
  const { width: sw, height: sh } = reference;
  if (o.kind === 'structure') {
    const mask = areaResizePlane(presenceMask(reference, info), sw, sh, o.width, o.height);
    return grayToRgb(mask, o.width, o.height);
  }
  const picture = tensorPicture(reference, info);
  const plane = sw * sh;
  const resized = new Float32Array(3 * o.width * o.height);
  for (let c = 0; c < 3; c++) {
    resized.set(areaResizePlane(picture.subarray(c * plane, (c + 1) * plane), sw, sh, o.width, o.height), c * o.width * o.height);
  }
  return grayToRgb(cannyEdges(resized, o.width, o.height, o.canny), o.width, o.height);
}

/** Stacks control images into one NCHW batch [n, 3, h, w]. */
export function stackControl(images: readonly RgbImage[]): { data: Float32Array; shape: [number, number, number, number] } {
  const first = images[0] ?? createRgbImage(1, 1);
  const per = first.data.length;
  images.forEach((img, i) => {
    if (img.width !== first.width || img.height !== first.height) {
      throw new InvalidArgumentError(`control image ${i} is ${img.width}×${img.height}, the first is ${first.width}×${first.height}`);
    }
  });
  const data = new Float32Array(per * images.length);
  images.forEach((img, i) => data.set(img.data, i * per));
  return { data, shape: [images.length, 3, first.height, first.width] };
}
