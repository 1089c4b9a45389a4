import type { LabelledSample } from '@netsynth/core';
import { createRng, silentProgress } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { createDistributionEvaluator, holdoutShares, thinFlows, traceFlows, THINNING_DRAWS } from '../src/index.js';
import { timedFlows } from './timed-flows.js';

const ctx = { seed: 1, rng: createRng(1), progress: silentProgress, workDir: '/tmp', baseDir: '/tmp' };

/**
 * A capture of flows 2.5 s long, one every 3 s, except that every `pairEvery`-th flow starts
 * 1 s after the one before (a rare overlap). Flows start at `from` s.
 */
function rareOverlaps(count: number, pairEvery: number, from: number, prefix: string): LabelledSample[] {
  const starts: number[] = [];
  let t = from;
  for (let f = 0; f < count; f++) {
    starts.push(t);
    t += (f + 1) % pairEvery === 0 ? 1 : 3;
  }
  return timedFlows('a', count, (f) => starts[f] as number, 6, prefix);
}

describe('trace floor over thinning draws', () => {
  // Training: 200 flows with 10 overlapping pairs; holdout: 50 flows over the same span, none overlapping.
  const training = rareOverlaps(200, 20, 0, 't');
  const holdout = timedFlows('a', 50, (f) => 1 + 12 * f, 6, 'h');
  const evaluate = async (synthetic: readonly LabelledSample[]) => {
    const r = await createDistributionEvaluator().evaluate({ samples: holdout, training: { samples: training } }, { samples: [...synthetic] }, ctx);
    return r.metrics.find((m) => m.name === 'trace.concurrency.emd');
  };

  it('a single draw of a holdout-sized trace often misses the rare overlap; the averaged floor does not', async () => {
    const shares = holdoutShares(traceFlows(holdout), traceFlows(training));
    const overlapping = (d: number) =>
      thinFlows(traceFlows(training), shares, 1, d).filter((f, i, all) => i > 0 && (all[i - 1] as { end: number }).end >= f.start).length;
    const perDraw = Array.from({ length: THINNING_DRAWS }, (_, d) => overlapping(d));
    expect(perDraw).toContain(0);
    expect(perDraw.some((n) => n > 0)).toBe(true);
    const floor = (await evaluate(training))?.floor as number;
    expect(floor).toBeGreaterThan(0);
  });

  it('a trace 8× as long with the capture’s overlap rate is within 2× of that floor; one overlapping everywhere is not', async () => {
    const faithful = await evaluate(rareOverlaps(1600, 20, 0, 's'));
    expect((faithful?.value as number) / (faithful?.floor as number)).toBeLessThan(2);
    // Every other flow starts 1 s after the one before.
    const busy = await evaluate(rareOverlaps(1600, 2, 0, 'b'));
    expect((busy?.value as number) / (busy?.floor as number)).toBeGreaterThan(4);
  });
});
