/**
 * Seeded pseudo-random numbers. Every random choice in netsynth goes through one of
 * these so the same config and seed give the same bytes. sfc32 seeded via splitmix32:
 * fast, 128-bit state, passes PractRand far beyond what we draw.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** An independent generator derived from this one and a label (stable across runs). */
  fork(label: string): Rng;
  shuffle<T>(items: T[]): T[];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  const init = splitmix32((seed >>> 0) ^ Math.floor(seed / 0x100000000));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  let spare: number | undefined;
  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) uint32();
  const rng: Rng = {
    uint32,
    next: () => uint32() / 0x100000000,
    int: (n) => Math.floor((uint32() / 0x100000000) * n),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = uint32() / 0x100000000;
      const v = uint32() / 0x100000000;
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (label) => createRng((uint32() ^ hashLabel(label)) >>> 0),
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor((uint32() / 0x100000000) * (i + 1));
        const tmp = items[i] as (typeof items)[number];
        items[i] = items[j] as (typeof items)[number];
        items[j] = tmp;
      }
      return items;
    },
  };
  return rng;
}

/** A seed derived from a base seed and a stage name, independent of call order. */
export function deriveSeed(seed: number, label: string): number {
  return (splitmix32((seed >>> 0) ^ hashLabel(label))() ^ hashLabel(label + '#')) >>> 0;
}
