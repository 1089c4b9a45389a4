/** The draws a synthetic series needs; @netsynth/core's seeded Rng has them. */
export interface SeriesRng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** A flow as three series of equal length, in real units. */
export interface SyntheticSeries {
  size: Float64Array;
  direction: Float64Array;
  iat: Float64Array;
}

/**
 * A packet-ish flow of `length` points for series encoders' tests and benches: `packets`
 * points of sizes in [40, 1500], directions +1 (40 %) or −1 and log-uniform gaps from `iatMin`
 * seconds over a factor `iatSpan` (the first gap 0), then zero padding.
 */
export function syntheticSeries(rng: SeriesRng, length: number, packets: number, iatMin: number, iatSpan: number): SyntheticSeries {
  const size = new Float64Array(length);
  const direction = new Float64Array(length);
  const iat = new Float64Array(length);
  for (let i = 0; i < Math.min(packets, length); i++) {
    size[i] = 40 + rng.int(1461);
    direction[i] = rng.next() < 0.4 ? 1 : -1;
    iat[i] = i === 0 ? 0 : Math.exp(Math.log(iatMin) + Math.log(iatSpan) * rng.next());
  }
  return { size, direction, iat };
}
