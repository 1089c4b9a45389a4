import { createRng, deriveSeed, type LabelledSample } from '@netsynth/core';

export interface SplitSamples {
  train: LabelledSample[];
  holdout: LabelledSample[];
}

/**
 * Holds back `share` of each label's samples (a seeded choice) as the real side of the
 * evaluation. A label keeps at least one training sample; a label with one sample has no
 * holdout. Both lists keep the input order.
 */
export function splitHoldout(samples: readonly LabelledSample[], share: number, seed: number): SplitSamples {
  const byLabel = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const list = byLabel.get(s.label) ?? [];
    list.push(i);
    byLabel.set(s.label, list);
  });
  const held = new Set<number>();
  for (const label of [...byLabel.keys()].sort()) {
    const indices = byLabel.get(label) ?? [];
    const n = indices.length;
    const k = n >= 2 ? Math.min(n - 1, Math.round(n * share)) : 0;
    if (k === 0) continue;
    const rng = createRng(deriveSeed(seed, `holdout:${label}`));
    for (const i of rng.shuffle([...indices]).slice(0, k)) held.add(i);
  }
  return {
    train: samples.filter((_, i) => !held.has(i)),
    holdout: samples.filter((_, i) => held.has(i)),
  };
}

/** Count of samples per label, labels sorted. */
export function countByLabel(samples: readonly { label: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[s.label] = (counts[s.label] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
