/**
 * float32 ⇄ IEEE half arrays for fp16 exports (onnxruntime-node takes float16 tensors as
 * Uint16Array bit patterns). The scalar conversions are the SD package's, so both halves of a
 * UNet + ControlNet pair round the same way.
 */
import { floatToHalf, halfToFloat } from '@netsynth/generator-stable-diffusion';

export const toHalf: (v: number) => number = floatToHalf;
export const fromHalf: (h: number) => number = halfToFloat;

export function floatsToHalf(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = floatToHalf(data[i] ?? 0);
  return out;
}

export function halfToFloats(data: Uint16Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = halfToFloat(data[i] ?? 0);
  return out;
}
