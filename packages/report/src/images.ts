import type { GeneratedSample, ImageTensor, RenderedImage } from '@netsynth/core';
import { InvalidArgumentError } from '@netsynth/core';
import { PNG } from 'pngjs';
import type { ReportImageGroup } from './types.js';

/** An RGBA render as a PNG data URI, so the report carries its images inline. */
export function pngDataUri(image: RenderedImage): string {
  const { width, height, rgba } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || rgba.length !== width * height * 4) {
    throw new InvalidArgumentError(`rendered image ${width}×${height} needs ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/**
 * Per-class groups for the report's image grids from real and synthetic tensors and an
 * encoder's `render`: the first `perClass` images of each label (labels sorted), rendered once.
 */
export function imageGroupsFor(
  real: readonly GeneratedSample[],
  synthetic: readonly GeneratedSample[],
  render: (tensor: ImageTensor) => RenderedImage,
  perClass = 8,
): ReportImageGroup[] {
  const labels = [...new Set([...real, ...synthetic].map((s) => s.label))].sort();
  const pick = (list: readonly GeneratedSample[], label: string): RenderedImage[] =>
    list
      .filter((s) => s.label === label)
      .slice(0, perClass)
      .map((s) => render(s.tensor));
  return labels.map((label) => ({ label, real: pick(real, label), synthetic: pick(synthetic, label) }));
}
