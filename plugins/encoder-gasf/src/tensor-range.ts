/**
 * Pixels ⇄ tensor values. 'symmetric' (default) stores 2·p − A, so a pixel range [0, A]
 * becomes [−A, A] ([−1, 1] with A = 1, what the DDPM trains on); 'unit' stores the pixel.
 */
export type TensorRange = 'symmetric' | 'unit';

export function valueRangeOf(range: TensorRange, gain: number): [number, number] {
  return range === 'symmetric' ? [-gain, gain] : [0, gain];
}

export function pixelToTensor(range: TensorRange, gain: number, pixel: number): number {
  return range === 'symmetric' ? 2 * pixel - gain : pixel;
}

/** Tensor value → pixel, clamped to [0, A]; a non-finite value (a diverged sampler) reads as 0. */
export function tensorToPixel(range: TensorRange, gain: number, value: number): number {
  const p = range === 'symmetric' ? (value + gain) / 2 : value;
  return !(p > 0) ? 0 : p > gain ? gain : p;
}
