import type { LabelledSample, Metric } from '@netsynth/core';
import { createRng, silentProgress } from '@netsynth/core';
import { weightedWasserstein1 } from '@netsynth/evalkit';
import { describe, expect, it } from 'vitest';
import { createDistributionEvaluator, holdoutShares, seriesOfFlows, thinFlows, traceFlows } from '../src/index.js';
import { poissonStarts, timedFlows } from './timed-flows.js';

const ctx = { seed: 1, rng: createRng(1), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };

/** A class of a capture: `count` flows of a Poisson process at `rate` flows/s from `from` s, each 1 s long. */
interface ClassSpec {
  label: string;
  count: number;
  rate: number;
  from: number;
}

/** The capture's flows of each class, a random fifth held back (a flow split), the rest the training trace. */
function capture(classes: readonly ClassSpec[], seed: number): { holdout: LabelledSample[]; training: LabelledSample[] } {
  const holdout: LabelledSample[] = [];
  const training: LabelledSample[] = [];
  classes.forEach((c, k) => {
    const starts = poissonStarts(c.count, c.rate, c.from, seed + k);
    const held = new Set(
      createRng(seed + 100 + k)
        .shuffle(starts.map((_, i) => i))
        .slice(0, Math.round(c.count / 5)),
    );
    const side = (keep: boolean) => starts.filter((_, i) => held.has(i) === keep);
    const h = side(true);
    const t = side(false);
    holdout.push(...timedFlows(c.label, h.length, (f) => h[f] as number, 3, `h-${c.label}`));
    training.push(...timedFlows(c.label, t.length, (f) => t[f] as number, 3, `t-${c.label}`));
  });
  return { holdout, training };
}

/** A synthetic trace: per class `count` flows starting at `starts(count, label)`, each 1 s long as the real ones. */
function synthetic(counts: Record<string, number>, starts: (count: number, label: string, k: number) => number[]): LabelledSample[] {
  return Object.entries(counts).flatMap(([label, count], k) => {
    const s = starts(count, label, k);
    return timedFlows(label, count, (f) => s[f] as number, 3, `s-${label}`);
  });
}

async function evaluate(real: { holdout: LabelledSample[]; training: LabelledSample[] }, other: LabelledSample[]): Promise<Map<string, Metric>> {
  const result = await createDistributionEvaluator().evaluate({ samples: real.holdout, training: { samples: real.training } }, { samples: other }, ctx);
  return new Map(result.metrics.map((m) => [m.name, m]));
}

const ratio = (m: Map<string, Metric>, name: string): number => (m.get(name)?.value as number) / (m.get(name)?.floor as number);

describe('overall trace metrics at the real class mix', () => {
  // Classes captured one after another (a busy one, then a quiet one), as the lab captures are.
  const busy = { label: 'busy', count: 1000, rate: 4, from: 1000 };
  const quiet = { label: 'quiet', count: 200, rate: 0.5, from: 1255 };
  const real = capture([busy, quiet], 21);
  // A faithful generator asked for the same count of every class: each class at its training
  // rate (4/5 of the capture's), the quiet class after the busy one, as the learned timeline lays them.
  const balanced = { busy: 400, quiet: 400 };
  const busyStarts = poissonStarts(balanced.busy, busy.rate * 0.8, 0, 31);
  const faithful = synthetic(balanced, (n, label) =>
    label === 'busy' ? busyStarts : poissonStarts(n, quiet.rate * 0.8, (busyStarts[n - 1] as number) + quiet.from - busy.from - busy.count / busy.rate, 32),
  );

  it('a faithful trace with the generator’s own class counts scores within 2× of the floor, overall and per class', async () => {
    const m = await evaluate(real, faithful);
    for (const key of ['flow_iat', 'concurrency']) {
      expect(m.get(`trace.${key}.emd`)?.floor, key).toBeGreaterThan(0);
      expect(ratio(m, `trace.${key}.emd`), key).toBeLessThan(2);
    }
    expect(ratio(m, 'class.busy.trace.flow_iat.emd')).toBeLessThan(2);
    expect(ratio(m, 'class.quiet.trace.flow_iat.emd')).toBeLessThan(2);
    // Read at the capture's class mix (5 busy flows to 1 quiet), the mean gap is the holdout's.
    const iat = m.get('trace.flow_iat.emd') as Metric;
    expect(Math.abs((iat.synthetic as number) / (iat.real as number) - 1)).toBeLessThan(0.25);
  });

  it('unweighted, the same faithful trace would look wrong: the class mix, not the arrival process', async () => {
    // What the overall metric compared before: every thinned synthetic gap counted once, so the
    // quiet class's long gaps weigh half instead of a tenth.
    const holdout = traceFlows(real.holdout);
    const thinned = thinFlows(traceFlows(faithful), holdoutShares(holdout, traceFlows(real.training)), 1);
    const unweighted = seriesOfFlows(thinned).flow_iat;
    const realIat = seriesOfFlows(holdout).flow_iat;
    const unit = (v: readonly number[]) => v.map(() => 1);
    const raw = weightedWasserstein1(realIat, unit(realIat), unweighted, unit(unweighted)) as number;
    const m = await evaluate(real, faithful);
    expect(raw).toBeGreaterThan(3 * (m.get('trace.flow_iat.emd')?.floor as number));
  });

  it('a too-dense trace and one laid end to end still fail overall', async () => {
    const dense = synthetic(balanced, (n, label, k) => poissonStarts(n, (label === 'busy' ? busy.rate : quiet.rate) * 8, 0, 41 + k));
    // End to end: each flow starts when the previous one (1 s long) ends, a class after the other.
    const endToEnd = synthetic(balanced, (n, _label, k) => Array.from({ length: n }, (_, f) => 1000 * k + 1.01 * f));
    const d = await evaluate(real, dense);
    const e = await evaluate(real, endToEnd);
    expect(ratio(d, 'trace.flow_iat.emd')).toBeGreaterThan(3);
    expect(ratio(d, 'trace.concurrency.emd')).toBeGreaterThan(3);
    expect(e.get('trace.concurrency.emd')?.synthetic).toBe(1);
    expect(ratio(e, 'trace.concurrency.emd')).toBeGreaterThan(3);
  });

  it('classes captured together: a faithful trace interleaving them passes, one laying them one after another fails', async () => {
    const a = { label: 'a', count: 400, rate: 4, from: 1000 };
    const b = { label: 'b', count: 100, rate: 1, from: 1000 };
    const mixed = capture([a, b], 51);
    const counts = { a: 320, b: 80 };
    const together = synthetic(counts, (n, label, k) => poissonStarts(n, (label === 'a' ? a.rate : b.rate) * 0.8, 0, 61 + k));
    const apart = synthetic(counts, (n, label, k) => poissonStarts(n, (label === 'a' ? a.rate : b.rate) * 0.8, 500 * k, 61 + k));
    const t = await evaluate(mixed, together);
    const s = await evaluate(mixed, apart);
    for (const key of ['flow_iat', 'concurrency']) expect(ratio(t, `trace.${key}.emd`), key).toBeLessThan(2);
    // Apart, each class alone: the per-class figures stay fine, the overall ones do not.
    expect(ratio(s, 'class.b.trace.flow_iat.emd')).toBeLessThan(2);
    expect(ratio(s, 'trace.flow_iat.emd')).toBeGreaterThan(2);
  });
});
