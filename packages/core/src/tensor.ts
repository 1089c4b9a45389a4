import { InvalidArgumentError } from './errors.js';

/** An image tensor: channels × height × width, row-major, float32. */
export interface ImageTensor {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

export function createImageTensor(channels: number, height: number, width: number, data?: Float32Array): ImageTensor {
  const size = channels * height * width;
  if (!Number.isInteger(size) || size <= 0) {
    throw new InvalidArgumentError(`image shape ${channels}×${height}×${width} is not a positive integer shape`);
  }
  if (data && data.length !== size) {
    throw new InvalidArgumentError(`image data has ${data.length} values, shape ${channels}×${height}×${width} needs ${size}`);
  }
  return { data: data ?? new Float32Array(size), channels, height, width };
}

export function tensorIndex(t: ImageTensor, c: number, y: number, x: number): number {
  return (c * t.height + y) * t.width + x;
}

/** Stacks same-shaped images into one NCHW batch buffer. */
export function stackImages(images: readonly ImageTensor[]): { data: Float32Array; shape: [number, number, number, number] } {
  const first = images[0];
  if (!first) throw new InvalidArgumentError('cannot stack an empty list of images');
  const per = first.data.length;
  const out = new Float32Array(per * images.length);
  images.forEach((img, i) => {
    if (img.channels !== first.channels || img.height !== first.height || img.width !== first.width) {
      throw new InvalidArgumentError(`image ${i} is ${img.channels}×${img.height}×${img.width}, expected ${first.channels}×${first.height}×${first.width}`);
    }
    out.set(img.data, i * per);
  });
  return { data: out, shape: [images.length, first.channels, first.height, first.width] };
}
