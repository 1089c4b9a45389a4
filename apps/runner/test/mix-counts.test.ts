import { describe, expect, it } from 'vitest';
import { countsAtMix, isAtMix } from '../src/pipeline/mix-counts.js';

// A capture of one busy class of short flows and two classes of a few long flows (cut into
// many windows each, so their holdout is many samples from few flows).
const flows = new Map([
  ['dns', 160],
  ['bulk', 4],
  ['web', 60],
]);
const holdout = new Map([
  ['dns', 40],
  ['bulk', 33],
  ['web', 30],
]);

describe('samplesPerLabel at the capture class mix', () => {
  it('without a total: the same multiple of every class, the smallest that brings each to its holdout', () => {
    const { perLabel, scale, raised } = countsAtMix({ mix: 'capture', min: 'holdout' }, flows, holdout);
    // bulk sets it: 33 samples from 4 flows.
    expect(scale).toBeCloseTo(33 / 4);
    expect(perLabel).toEqual({ bulk: 33, dns: 1320, web: 495 });
    expect(raised).toEqual([]);
    // The proportions are the capture's flows.
    expect((perLabel['dns'] as number) / (perLabel['bulk'] as number)).toBe(40);
  });

  it('never below the real trace: with small minimums, one sample per real flow', () => {
    const { perLabel, scale } = countsAtMix({ mix: 'capture', min: 2 }, flows, holdout);
    expect(scale).toBe(1);
    expect(perLabel).toEqual({ bulk: 4, dns: 160, web: 60 });
  });

  it('with a total: its share per class, a class under its minimum raised to it and named', () => {
    const { perLabel, scale, raised } = countsAtMix({ mix: 'capture', total: 112, min: 'holdout' }, flows, holdout);
    expect(scale).toBeCloseTo(0.5);
    expect(perLabel).toEqual({ bulk: 33, dns: 80, web: 30 });
    expect(raised).toEqual(['bulk']);
    // A numeric minimum, met by every share: the mix holds.
    expect(countsAtMix({ mix: 'capture', total: 448, min: 8 }, flows, holdout)).toEqual({ perLabel: { bulk: 8, dns: 320, web: 120 }, scale: 2, raised: [] });
  });

  it('keeps every class of the capture, however small its share', () => {
    const { perLabel } = countsAtMix({ mix: 'capture', total: 10, min: 0 }, new Map([...flows, ['icmp', 1]]), holdout);
    expect(perLabel['icmp']).toBe(1);
  });

  it('tells the class-mix form from a map of counts', () => {
    expect(isAtMix({ mix: 'capture', min: 'holdout' })).toBe(true);
    expect(isAtMix({ mix: 3, dns: 2 })).toBe(false);
    expect(isAtMix(8)).toBe(false);
  });
});
