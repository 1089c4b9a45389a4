import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, silentProgress, type ImageTensor, type PluginContext, type ProgressReporter, type TrainingSet } from '@netsynth/core';

const dirs: string[] = [];
export function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ddpm-test-'));
  dirs.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function context(seed: number, extra: Partial<PluginContext> = {}): PluginContext {
  return { seed, rng: createRng(seed), progress: silentProgress, workDir: tmpdir(), baseDir: tmpdir(), ...extra };
}

/** A progress reporter that calls `onTick` with the running step count. */
export function tickingProgress(onTick: (n: number) => void): ProgressReporter {
  let n = 0;
  return {
    start: () => ({ tick: (d = 1) => onTick((n += d)), update: (c) => void (n = c), done: () => {} }),
    log: () => {},
    warn: () => {},
  };
}

/**
 * Two classes of C×H×W images in [−1, 1] with a little noise: "left" is bright on the left
 * half, "top" bright on the top half. dims-1 sets use H = 1: "up" ramps up, "down" ramps down.
 */
export function twoClassImages(n: number, c: number, h: number, w: number, seed = 1): TrainingSet {
  const rng = createRng(seed);
  const tensors: ImageTensor[] = [];
  const labels: string[] = [];
  const names = h === 1 ? ['down', 'up'] : ['left', 'top'];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const data = new Float32Array(c * h * w);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let v: number;
          if (h === 1) v = cls ? -1 + (2 * x) / (w - 1) : 1 - (2 * x) / (w - 1);
          else v = (cls ? y < h / 2 : x < w / 2) ? 0.8 : -0.8;
          data[(ch * h + y) * w + x] = Math.max(-1, Math.min(1, v + 0.05 * rng.normal()));
        }
    tensors.push({ data, channels: c, height: h, width: w });
    labels.push(names[cls] as string);
  }
  return { tensors, labels, encoder: { name: 'test/synthetic', info: { channels: c, height: h, width: w, valueRange: [-1, 1], metadata: {} }, state: null } };
}

/** Per-class mean images. */
export function classMeans(set: TrainingSet): Map<string, Float64Array> {
  const sums = new Map<string, { s: Float64Array; n: number }>();
  set.tensors.forEach((t, i) => {
    const l = set.labels[i] as string;
    const e = sums.get(l) ?? { s: new Float64Array(t.data.length), n: 0 };
    t.data.forEach((v, j) => (e.s[j] = (e.s[j] as number) + v));
    e.n++;
    sums.set(l, e);
  });
  return new Map([...sums].map(([l, e]) => [l, e.s.map((v) => v / e.n)]));
}

export function nearest(means: Map<string, Float64Array>, x: Float32Array): string {
  let best = '';
  let bd = Infinity;
  for (const [l, m] of means) {
    let d = 0;
    for (let j = 0; j < x.length; j++) d += ((x[j] as number) - (m[j] as number)) ** 2;
    if (d < bd) {
      bd = d;
      best = l;
    }
  }
  return best;
}
