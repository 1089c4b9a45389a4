import { InvalidArgumentError } from '@netsynth/core';

/** A control image: RGB, channel-major (3 × height × width), values in [0, 1]. */
export interface RgbImage {
  width: number;
  height: number;
  /** 3·height·width floats, planes R, G, B (the layout an NCHW ControlNet input takes). */
  data: Float32Array;
}

export function createRgbImage(width: number, height: number, data?: Float32Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidArgumentError(`control image size must be positive integers, got ${width}×${height}`);
  }
  const size = 3 * width * height;
  if (data && data.length !== size) throw new InvalidArgumentError(`control image ${width}×${height} needs ${size} values, got ${data.length}`);
  return { width, height, data: data ?? new Float32Array(size) };
}

/** The same one-channel map in all three planes (ControlNet control images are RGB). */
export function grayToRgb(gray: Float32Array, width: number, height: number): RgbImage {
  const img = createRgbImage(width, height);
  const plane = width * height;
  for (let c = 0; c < 3; c++) img.data.set(gray, c * plane);
  return img;
}
