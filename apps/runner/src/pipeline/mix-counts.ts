import { ConfigError, type SamplesAtMix } from '@netsynth/core';

/** Whether `generator.samplesPerLabel` is the class-mix form (a map's values are numbers, never the string `mix`). */
export function isAtMix(spec: number | SamplesAtMix | Record<string, number>): spec is SamplesAtMix {
  return typeof spec === 'object' && typeof (spec as { mix?: unknown }).mix === 'string';
}

/** Per-label sample counts at the capture's class mix, and how they were reached. */
export interface MixCounts {
  perLabel: Record<string, number>;
  /** Samples per real training flow (the same for every label unless a minimum bent the mix). */
  scale: number;
  /** Labels raised to their minimum above their share of a given `total` (the mix bent for them). */
  raised: string[];
}

/**
 * Sample counts in the proportions of the real training trace's flows per class
 * (`generator.samplesPerLabel: {mix: capture}`). Why flows: each generated sample becomes one
 * flow of synthetic.pcap, and the learned timeline lays a class's n flows over the time n real
 * ones took; with every class at the same multiple k of its real flows, every class's stretch of
 * the trace grows by the same k and the trace keeps the capture's class mix and layout. Equal
 * counts per label instead give a class of a few long flows as many flows as one of hundreds
 * of short ones: a trace of another network.
 *
 * Each label gets at least `min` (its holdout sample count with `min: holdout`): the evaluation
 * compares a label's synthetic samples with its holdout, and fewer would judge the label on
 * too few. Without `total`, k is the smallest multiple ≥ 1 at which every label reaches its
 * minimum, so the mix holds exactly (the trace is then k× as long as the capture, at the
 * capture's rates). With `total`, k = total / flows; a label whose share falls below its
 * minimum is raised to it and reported (`raised`): there the mix bends.
 */
export function countsAtMix(spec: SamplesAtMix, flowsPerLabel: ReadonlyMap<string, number>, holdoutPerLabel: ReadonlyMap<string, number>): MixCounts {
  const labels = [...flowsPerLabel.keys()].sort();
  const flows = labels.reduce((n, l) => n + (flowsPerLabel.get(l) as number), 0);
  if (flows === 0)
    throw new ConfigError('samplesPerLabel {mix: capture}: the real training trace holds no flow to take the class mix from', 'generator.samplesPerLabel');
  const minOf = (label: string): number => (spec.min === 'holdout' ? (holdoutPerLabel.get(label) ?? 0) : spec.min);
  let scale = spec.total !== undefined ? spec.total / flows : 1;
  if (spec.total === undefined) for (const l of labels) scale = Math.max(scale, minOf(l) / (flowsPerLabel.get(l) as number));
  const perLabel: Record<string, number> = {};
  const raised: string[] = [];
  for (const l of labels) {
    // At least one sample: a label the capture has stays in the trace.
    const atMix = Math.max(1, Math.round((flowsPerLabel.get(l) as number) * scale));
    const min = minOf(l);
    // Without a total, k already brings every label to its minimum (max() only absorbs rounding).
    if (spec.total !== undefined && atMix < min) raised.push(l);
    perLabel[l] = Math.max(atMix, min);
  }
  return { perLabel, scale, raised };
}
