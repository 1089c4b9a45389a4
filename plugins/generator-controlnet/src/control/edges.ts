import { InvalidArgumentError } from '@netsynth/core';

export interface CannyOptions {
  /** Hysteresis thresholds on the L1 gradient magnitude of 0–255 pixel values (NetDiffusion: 100/200). */
  low: number;
  high: number;
}

/**
 * Canny edges of an RGB picture (planes in [0, 1]), written after OpenCV's `cv2.Canny` with
 * its defaults (aperture 3, L1 gradient), which NetDiffusion's ControlNet "canny"
 * preprocessor calls:
 * 1. 3×3 Sobel per channel on 0–255 values (borders replicated); per pixel the channel with
 *    the largest |gx|+|gy| gives the gradient, as OpenCV does for colour input;
 * 2. non-maximum suppression along the gradient direction quantised to 0°/45°/90°/135°
 *    (tan 22.5° and tan 67.5° boundaries, OpenCV's tie rule: strictly greater than the
 *    neighbour behind, at least the one ahead, for the axis-aligned cases);
 * 3. hysteresis: a pixel above `high` is an edge, a pixel above `low` is one when it is
 *    8-connected to an edge through such pixels.
 * No Gaussian blur first (cv2.Canny has none). Returns one 0/1 value per pixel.
 */
export function cannyEdges(rgb: Float32Array, width: number, height: number, o: CannyOptions): Float32Array {
  const plane = width * height;
  if (rgb.length !== 3 * plane) throw new InvalidArgumentError(`picture has ${rgb.length} values, 3×${width}×${height} needs ${3 * plane}`);
  if (!(o.high >= o.low && o.low >= 0)) throw new InvalidArgumentError(`Canny thresholds need 0 ≤ low ≤ high, got ${o.low}/${o.high}`);
  const gx = new Float32Array(plane);
  const gy = new Float32Array(plane);
  const mag = new Float32Array(plane);
  const at = (c: number, y: number, x: number): number => {
    const yy = y < 0 ? 0 : y >= height ? height - 1 : y;
    const xx = x < 0 ? 0 : x >= width ? width - 1 : x;
    return (rgb[c * plane + yy * width + xx] ?? 0) * 255;
  };
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = at(c, y - 1, x + 1) - at(c, y - 1, x - 1) + 2 * (at(c, y, x + 1) - at(c, y, x - 1)) + at(c, y + 1, x + 1) - at(c, y + 1, x - 1);
        const dy = at(c, y + 1, x - 1) - at(c, y - 1, x - 1) + 2 * (at(c, y + 1, x) - at(c, y - 1, x)) + at(c, y + 1, x + 1) - at(c, y - 1, x + 1);
        const m = Math.abs(dx) + Math.abs(dy);
        const i = y * width + x;
        if (c === 0 || m > (mag[i] ?? 0)) {
          mag[i] = m;
          gx[i] = dx;
          gy[i] = dy;
        }
      }
    }
  }
  const m = (y: number, x: number): number => (y < 0 || y >= height || x < 0 || x >= width ? 0 : (mag[y * width + x] ?? 0));
  const TAN22 = Math.tan(Math.PI / 8);
  const TAN67 = Math.tan((3 * Math.PI) / 8);
  // 0: not an edge, 1: weak candidate, 2: edge.
  const state = new Uint8Array(plane);
  const stack: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = mag[i] ?? 0;
      if (v <= o.low) continue;
      const ax = Math.abs(gx[i] ?? 0);
      const ay = Math.abs(gy[i] ?? 0);
      let keep: boolean;
      if (ay < ax * TAN22) keep = v > m(y, x - 1) && v >= m(y, x + 1);
      else if (ay > ax * TAN67) keep = v > m(y - 1, x) && v >= m(y + 1, x);
      else {
        const s = (gx[i] ?? 0) * (gy[i] ?? 0) < 0 ? -1 : 1;
        keep = v > m(y - 1, x - s) && v > m(y + 1, x + s);
      }
      if (!keep) continue;
      if (v > o.high) {
        state[i] = 2;
        stack.push(i);
      } else state[i] = 1;
    }
  }
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const y = Math.floor(i / width);
    const x = i - y * width;
    for (let ny = y - 1; ny <= y + 1; ny++) {
      for (let nx = x - 1; nx <= x + 1; nx++) {
        if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
        const j = ny * width + nx;
        if (state[j] === 1) {
          state[j] = 2;
          stack.push(j);
        }
      }
    }
  }
  const out = new Float32Array(plane);
  for (let i = 0; i < plane; i++) out[i] = state[i] === 2 ? 1 : 0;
  return out;
}
