import type { Flow, Packet, Rng } from '@netsynth/core';

/**
 * A uniform sample of at most `max` items from a stream of unknown length (Vitter's
 * algorithm R), seeded: the same stream and seed keep the same items. Memory is `max`
 * items however long the stream; `max` 0 keeps everything.
 */
export class Reservoir<T> {
  readonly items: T[] = [];
  /** Items offered so far. */
  seen = 0;

  constructor(
    readonly max: number,
    private readonly rng: Rng,
  ) {}

  /** Offers one item; returns the slot it took (then `prepare` it for keeping), or -1. */
  offer(item: T, prepare: (item: T) => T = (x) => x): number {
    this.seen++;
    if (this.max <= 0 || this.items.length < this.max) {
      this.items.push(prepare(item));
      return this.items.length - 1;
    }
    const j = this.rng.int(this.seen);
    if (j >= this.max) return -1;
    this.items[j] = prepare(item);
    return j;
  }
}

/**
 * Copies of `packets` from index `from` on, their bytes in one buffer of their own. A packet
 * read from a capture shares a 64 KiB slab with its neighbours (other flows' packets): one
 * kept for long would otherwise pin every slab it touches.
 */
export function ownedCopies(packets: readonly Packet[], from = 0): Packet[] {
  let total = 0;
  for (let i = from; i < packets.length; i++) total += packets[i]!.data.length;
  const bytes = new Uint8Array(total);
  let at = 0;
  const out: Packet[] = [];
  for (let i = from; i < packets.length; i++) {
    const p = packets[i]!;
    bytes.set(p.data, at);
    out.push({ ...p, data: bytes.subarray(at, at + p.data.length) });
    at += p.data.length;
  }
  return out;
}

/** The flow with its packets' bytes copied into one buffer of its own (see ownedCopies). */
export function compactFlow(flow: Flow): Flow {
  return { ...flow, packets: ownedCopies(flow.packets) };
}
