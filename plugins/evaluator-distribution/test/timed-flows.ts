import type { LabelledSample } from '@netsynth/core';
import { createRng } from '@netsynth/core';
import { craftSample } from '@netsynth/evalkit';

/** `count` flows of one class, flow f starting at `start(f)` s, with `packets` packets 0.5 s apart. */
export function timedFlows(label: string, count: number, start: (f: number) => number, packets = 6, idPrefix = label): LabelledSample[] {
  return Array.from({ length: count }, (_, f) =>
    craftSample(
      `${idPrefix}.pcap#${f}@0`,
      label,
      Array.from({ length: packets }, (_, i) => ({
        timeSeconds: start(f) + i * 0.5,
        src: i % 2 ? '10.77.0.1' : `10.0.${Math.floor(f / 250)}.${1 + (f % 250)}`,
        dst: i % 2 ? `10.0.${Math.floor(f / 250)}.${1 + (f % 250)}` : '10.77.0.1',
        protocol: 'tcp' as const,
        length: 100 + 10 * i,
        srcPort: i % 2 ? 443 : 40000 + f,
        dstPort: i % 2 ? 40000 + f : 443,
        ttl: 64,
        tcpFlags: 0x10,
      })),
    ),
  );
}

/** Flow starts of a Poisson process of `rate` flows/s from `from` s. */
export function poissonStarts(count: number, rate: number, from: number, seed: number): number[] {
  const rng = createRng(seed);
  let t = from;
  return Array.from({ length: count }, () => (t += -Math.log(1 - rng.next()) / rate));
}
