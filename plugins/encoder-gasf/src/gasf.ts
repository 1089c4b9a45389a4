import { InvalidArgumentError } from '@netsynth/core';
import { areaTaps } from './resize.js';

/** Pixel mapping of the spec: GASF value g ∈ [−1, 1] → I = (g + 1)/2 → A·I^γ. */
export interface PixelMapping {
  gamma: number;
  gain: number;
}

export const NETDIFFUS_MAPPING: Readonly<PixelMapping> = { gamma: 0.25, gain: 1 };

function checkMapping(m: PixelMapping): void {
  if (!(m.gamma > 0) || !Number.isFinite(m.gamma) || !(m.gain > 0) || !Number.isFinite(m.gain)) {
    throw new InvalidArgumentError(`pixel mapping needs gamma > 0 and gain > 0, got gamma ${m.gamma}, gain ${m.gain}`);
  }
}

/**
 * The Gramian angular summation field of a series already scaled into [−1, 1]:
 * G[i][j] = cos(φ_i + φ_j) with φ = arccos(x), evaluated as x_i·x_j − √(1−x_i²)·√(1−x_j²).
 * Row-major n×n, double precision.
 */
export function gasf(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    if (!(v >= -1 && v <= 1)) throw new InvalidArgumentError(`GASF input ${i} is ${v}, outside [-1, 1]`);
    s[i] = Math.sqrt(Math.max(0, 1 - v * v));
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const si = s[i] as number;
    for (let j = i; j < n; j++) {
      const g = xi * (x[j] as number) - si * (s[j] as number);
      out[i * n + j] = g;
      out[j * n + i] = g;
    }
  }
  return out;
}

type Power = (v: number) => number;

/** v^e for the exponent e = 2γ, with the common cases done without pow (several times faster). */
function powerOf(exponent: number): Power {
  if (exponent === 0.5) return Math.sqrt;
  if (exponent === 1) return (v) => v;
  if (exponent === 2) return (v) => v * v;
  return (v) => Math.pow(v, exponent);
}

/** One GASF value → pixel: A·((g + 1)/2)^γ. */
export function gasfValueToPixel(g: number, mapping: PixelMapping = NETDIFFUS_MAPPING): number {
  const u = Math.min(1, Math.max(0, (g + 1) / 2));
  return mapping.gain * Math.pow(u, mapping.gamma);
}

/**
 * Pixel → (Y + 1)/2, the pixel mapping undone (Y the GASF value); clamped to [0, 1].
 * Returned in this form, not as Y, so that x = √((Y+1)/2) loses nothing near Y = −1.
 */
export function pixelToHalfGasf(pixel: number, mapping: PixelMapping = NETDIFFUS_MAPPING): number {
  const p = Math.min(1, Math.max(0, pixel / mapping.gain));
  return Math.min(1, Math.pow(p, 1 / mapping.gamma));
}

interface FlatTaps {
  /** Output cell d reads src[k] with weight w[k] for k in [first[d], first[d+1]). */
  first: Int32Array;
  src: Int32Array;
  w: Float64Array;
}

const tapCache = new Map<string, FlatTaps>();

/** Area taps of an n → size resize, flattened and cached (an encoder uses one or two shapes). */
function flatTaps(n: number, size: number): FlatTaps {
  const key = `${n}>${size}`;
  const cached = tapCache.get(key);
  if (cached) return cached;
  const taps = areaTaps(n, size).taps;
  const first = new Int32Array(size + 1);
  const source: number[] = [];
  const weight: number[] = [];
  taps.forEach((cell, d) => {
    first[d] = source.length;
    for (const t of cell) {
      source.push(t.source);
      weight.push(t.weight);
    }
  });
  first[size] = source.length;
  const flat = { first, src: Int32Array.from(source), w: Float64Array.from(weight) };
  if (tapCache.size >= 16) tapCache.clear();
  tapCache.set(key, flat);
  return flat;
}

/**
 * The pixel image of a series normalised into [0, 1]: GASF, pixel mapping, gamma, then an
 * INTER_AREA resize to `size`×`size` (default: no resize).
 *
 * Evaluated through half angles: with θ = φ/2 ∈ [0, π/4] (x ∈ [0, 1]),
 * (cos(φi+φj) + 1)/2 = cos²(θi+θj), so pixel = A·cos(θi+θj)^(2γ) with
 * cos(θi+θj) = ci·cj − si·sj, ci = √((1+x)/2), si = √((1−x)/2) — one square root per pixel
 * at γ = 0.25 instead of two, and exact to rounding. The resize is fused in: each row of
 * pixels is reduced horizontally as soon as it is made, so memory stays O(n·size) for long
 * series (5000-point web traces).
 */
export function gasfImage(x: ArrayLike<number>, mapping: PixelMapping = NETDIFFUS_MAPPING, size: number = x.length): Float64Array {
  checkMapping(mapping);
  const n = x.length;
  if (n === 0) throw new InvalidArgumentError('cannot make a GASF image of an empty series');
  const c = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(`normalised series value ${i} is ${v}, outside [0, 1]`);
    c[i] = Math.sqrt((1 + v) / 2);
    s[i] = Math.sqrt((1 - v) / 2);
  }
  const pow = powerOf(2 * mapping.gamma);
  // γ = 0.25 (the default) inlined: calling Math.sqrt through `pow` costs about a third.
  const quarter = mapping.gamma === 0.25;
  const gain = mapping.gain;

  if (size === n) {
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ci = c[i] as number;
      const si = s[i] as number;
      for (let j = i; j < n; j++) {
        const v = ci * (c[j] as number) - si * (s[j] as number);
        const p = gain * pow(v < 0 ? 0 : v > 1 ? 1 : v);
        out[i * n + j] = p;
        out[j * n + i] = p;
      }
    }
    return out;
  }

  const { first, src, w } = flatTaps(n, size);
  const row = new Float64Array(n);
  const half = new Float64Array(n * size);
  for (let i = 0; i < n; i++) {
    const ci = c[i] as number;
    const si = s[i] as number;
    for (let j = 0; j < n; j++) {
      const v = ci * (c[j] as number) - si * (s[j] as number);
      const clamped = v < 0 ? 0 : v > 1 ? 1 : v;
      row[j] = gain * (quarter ? Math.sqrt(clamped) : pow(clamped));
    }
    const base = i * size;
    for (let d = 0; d < size; d++) {
      let acc = 0;
      for (let k = first[d] as number; k < (first[d + 1] as number); k++) acc += (w[k] as number) * (row[src[k] as number] as number);
      half[base + d] = acc;
    }
  }
  const out = new Float64Array(size * size);
  for (let r = 0; r < size; r++) {
    const to = r * size;
    for (let k = first[r] as number; k < (first[r + 1] as number); k++) {
      const wk = w[k] as number;
      const from = (src[k] as number) * size;
      for (let d = 0; d < size; d++) out[to + d] = (out[to + d] as number) + wk * (half[from + d] as number);
    }
  }
  return out;
}

/** x_k = √((Y_k + 1)/2) for diagonal pixels Y_k (gamma and pixel mapping undone). */
export function diagonalToSeries(diagonal: ArrayLike<number>, mapping: PixelMapping = NETDIFFUS_MAPPING): Float64Array {
  checkMapping(mapping);
  const x = new Float64Array(diagonal.length);
  for (let k = 0; k < diagonal.length; k++) x[k] = Math.sqrt(pixelToHalfGasf(diagonal[k] as number, mapping));
  return x;
}

/**
 * Back to the normalised series from a pixel image's diagonal: x_k = √((Y_kk + 1)/2) after
 * undoing gamma and the pixel mapping. From a resized image this is the down-sampled series:
 * value k summarises the input points output row k covers (it lies between their smallest
 * and largest value, and equals them when they are equal).
 */
export function gasfToSeries(image: ArrayLike<number>, size: number, mapping: PixelMapping = NETDIFFUS_MAPPING): Float64Array {
  if (!Number.isInteger(size) || size <= 0 || image.length < size * size) {
    throw new InvalidArgumentError(`a ${size}×${size} image needs ${size * size} values, got ${image.length}`);
  }
  const diagonal = new Float64Array(size);
  for (let k = 0; k < size; k++) diagonal[k] = image[k * size + k] as number;
  return diagonalToSeries(diagonal, mapping);
}
