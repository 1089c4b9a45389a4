import { FEATURES, type FeatureName } from './features.js';

/**
 * How one feature's real values become x ∈ [0, 1] and back.
 *
 * The diagonal of a GASF only gives back 2x² − 1, i.e. |x|, so x must stay in [0, 1] for the
 * inverse to be unique (the min-max-to-[−1, 1] variant of the literature would lose signs):
 * - non-negative features (size, iat, bytesPerBin): NetDiffus' max-normalisation x = v / S;
 * - signed features (signedSize, direction): symmetric min-max x = (v / S + 1) / 2 with
 *   min = −S, max = +S, so 0 (padding) sits at 0.5, up above it and down below it.
 * S is the feature's scale in real units. With iatScale 'log' the gap is first mapped to
 * log1p(v / unit) and S likewise. Values beyond the scale are clipped to it.
 */
export interface Normaliser {
  feature: FeatureName;
  /** Real-unit value that maps to x = 1. */
  scale: number;
  signed: boolean;
  /** Unit of the log transform; undefined = linear. */
  logUnit?: number;
}

function transform(n: Normaliser, v: number): number {
  if (n.logUnit === undefined) return v;
  return Math.sign(v) * Math.log1p(Math.abs(v) / n.logUnit);
}

function untransform(n: Normaliser, t: number): number {
  if (n.logUnit === undefined) return t;
  return Math.sign(t) * Math.expm1(Math.abs(t)) * n.logUnit;
}

export function createNormaliser(feature: FeatureName, scale: number, logUnit?: number): Normaliser {
  return { feature, scale, signed: FEATURES[feature].signed, ...(logUnit !== undefined && { logUnit }) };
}

/** Real values → x ∈ [0, 1]; returns how many values were clipped. */
export function normalise(n: Normaliser, values: ArrayLike<number>, out = new Float64Array(values.length)): { x: Float64Array; clipped: number } {
  const top = transform(n, n.scale);
  let clipped = 0;
  for (let i = 0; i < values.length; i++) {
    const t = transform(n, values[i] as number) / top;
    let x = n.signed ? (t + 1) / 2 : t;
    if (!(x >= 0)) {
      // NaN counts as clipped too: it becomes 0.
      clipped++;
      x = 0;
    } else if (x > 1) {
      clipped++;
      x = 1;
    }
    out[i] = x;
  }
  return { x: out, clipped };
}

/** x ∈ [0, 1] → real units. */
export function denormalise(n: Normaliser, x: ArrayLike<number>): Float64Array {
  const top = transform(n, n.scale);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const t = (n.signed ? 2 * xi - 1 : xi) * top;
    out[i] = untransform(n, t);
  }
  return out;
}

/** The scale fit() learns: the largest |value| seen (1 when every value is 0). */
export function scaleOf(values: Iterable<ArrayLike<number>>): number {
  let max = 0;
  for (const series of values) {
    for (let i = 0; i < series.length; i++) {
      const a = Math.abs(series[i] as number);
      if (a > max) max = a;
    }
  }
  return max > 0 && Number.isFinite(max) ? max : 1;
}
