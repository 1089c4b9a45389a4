import { InvalidArgumentError, type ImageTensor, type RenderedImage } from '@netsynth/core';

export type RenderLayout = 'channels' | 'first';

/**
 * A grayscale picture of a tensor: values of `valueRange` mapped linearly to 0..255 (opaque
 * RGBA). 'channels' puts the channels side by side, left to right in feature order, with a
 * 1-pixel black column between them; 'first' shows channel 0 only.
 */
export function renderTensor(tensor: ImageTensor, valueRange: [number, number], layout: RenderLayout = 'channels'): RenderedImage {
  const { channels, height, width, data } = tensor;
  if (data.length !== channels * height * width) {
    throw new InvalidArgumentError(`tensor has ${data.length} values, shape ${channels}×${height}×${width} needs ${channels * height * width}`);
  }
  const [lo, hi] = valueRange;
  const span = hi - lo || 1;
  const shown = layout === 'first' ? Math.min(1, channels) : channels;
  const outWidth = shown * width + Math.max(0, shown - 1);
  const rgba = new Uint8Array(outWidth * height * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  for (let c = 0; c < shown; c++) {
    const left = c * (width + 1);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = data[(c * height + y) * width + x] as number;
        const grey = Math.round(Math.min(1, Math.max(0, (v - lo) / span)) * 255);
        const o = (y * outWidth + left + x) * 4;
        rgba[o] = grey;
        rgba[o + 1] = grey;
        rgba[o + 2] = grey;
      }
    }
  }
  return { width: outWidth, height, rgba };
}
