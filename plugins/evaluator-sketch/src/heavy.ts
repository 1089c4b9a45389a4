import type { Metric, NetflowRecord } from '@netsynth/core';
import { spearman } from '@netsynth/evalkit';
import { CountMin, CountSketch, UnivMon, type FrequencySketch } from './sketches.js';
import { SKETCHES, type SketchOptions } from './options.js';

type SketchName = (typeof SKETCHES)[number];
type KeyName = SketchOptions['keys'][number];

export function keyOf(r: NetflowRecord, key: KeyName): string {
  switch (key) {
    case 'fivetuple':
      return `${r.srcip}|${r.dstip}|${r.srcport}|${r.dstport}|${r.proto}`;
    case 'srcip':
      return r.srcip;
    case 'dstip':
      return r.dstip;
    case 'dstport':
      return `${r.proto}|${r.dstport}`;
  }
}

/** Packets per key (the truth the sketches estimate). */
export function trueCounts(records: readonly NetflowRecord[], key: KeyName): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    const k = keyOf(r, key);
    out.set(k, (out.get(k) ?? 0) + r.pkt);
  }
  return out;
}

/** Sketch width from the real side: distinct keys ÷ 8 as a power of two, at least 16 (keeps collisions, so sketches differ). */
export function autoWidth(distinct: number): number {
  let w = 16;
  while (w * 8 < distinct) w *= 2;
  return w;
}

function makeSketch(name: SketchName, width: number, options: SketchOptions, seed: number): FrequencySketch {
  if (name === 'count-min') return new CountMin(width, options.depth, seed);
  if (name === 'count-sketch') return new CountSketch(width, options.depth, seed);
  return new UnivMon(width, options.depth, options.levels, seed);
}

/** Mean relative error |estimate − truth| / truth of the top-K keys, averaged over `trials` hash seeds. */
export function heavyHitterError(counts: ReadonlyMap<string, number>, name: SketchName, width: number, options: SketchOptions, seed: number): number | null {
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, options.topK);
  if (top.length === 0) return null;
  let total = 0;
  for (let t = 0; t < options.trials; t++) {
    const sketch = makeSketch(name, width, options, (seed + 104_729 * t) >>> 0);
    for (const [k, c] of counts) sketch.add(k, c);
    let err = 0;
    for (const [k, c] of top) err += Math.abs(sketch.estimate(k) - c) / c;
    total += err / top.length;
  }
  return total / options.trials;
}

/**
 * NetShare's heavy-hitter task on one key: each sketch's top-K relative error on the real
 * records and on the other records (same width, same hash seeds); a metric per sketch
 * (`sketch.<key>.<sketch>.heavy_hitter_error`: the relative difference of the two errors),
 * and `sketch.<key>.rank_spearman`: whether the sketches keep their order of accuracy.
 */
export function heavyHitterMetrics(
  real: readonly NetflowRecord[],
  other: readonly NetflowRecord[],
  key: KeyName,
  options: SketchOptions,
  seed: number,
): Metric[] {
  const rc = trueCounts(real, key);
  const oc = trueCounts(other, key);
  const width = options.width || autoWidth(rc.size);
  const errs = SKETCHES.map((name) => ({
    name,
    real: heavyHitterError(rc, name, width, options, seed),
    other: heavyHitterError(oc, name, width, options, seed),
  }));
  const out: Metric[] = errs.map((e) => ({
    name: `sketch.${key}.${e.name}.heavy_hitter_error`,
    value: e.real !== null && e.other !== null ? Math.abs(e.other - e.real) / Math.max(e.real, 1e-9) : null,
    direction: 'lower',
    group: 'heavy hitters',
    real: e.real,
    synthetic: e.other,
    unit: 'relative difference of the top-K relative errors',
  }));
  const ok = errs.every((e) => e.real !== null && e.other !== null);
  out.push({
    name: `sketch.${key}.rank_spearman`,
    value: ok
      ? spearman(
          errs.map((e) => e.real!),
          errs.map((e) => e.other!),
        )
      : null,
    direction: 'higher',
    group: 'heavy hitters',
    unit: 'Spearman of the sketches’ errors',
  });
  return out;
}
