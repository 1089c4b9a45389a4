import { createRng, deriveSeed } from '@netsynth/core';

/**
 * The sample order of one epoch: a permutation of 0..count-1 that depends only on the seed
 * and the epoch number, so a resumed run sees the same batches as an uninterrupted one.
 */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  return createRng(deriveSeed(seed, `epoch:${epoch}`)).shuffle(Array.from({ length: count }, (_, i) => i));
}
