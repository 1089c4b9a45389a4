import type { Metric, NetflowRecord } from '@netsynth/core';
import { countValues, jensenShannonCounts, jensenShannonRankCounts, normalisedWasserstein1 } from '@netsynth/evalkit';
import { RECORD_TESTS, validityShares } from './validity.js';

type Categorical = 'srcip' | 'dstip' | 'srcport' | 'dstport' | 'proto';
type Continuous = 'ts' | 'td' | 'pkt' | 'byt';
/** Addresses are compared by rank (NetShare): the skew of popular vs rare, not the same addresses. */
const CATEGORICAL: readonly [Categorical, boolean][] = [
  ['srcip', true],
  ['dstip', true],
  ['srcport', false],
  ['dstport', false],
  ['proto', false],
];
const CONTINUOUS: readonly [Continuous, string][] = [
  ['ts', 's'],
  ['td', 's'],
  ['pkt', 'packets'],
  ['byt', 'bytes'],
];

/**
 * NetShare's per-field fidelity of records: JSD of each categorical field, EMD (exact
 * Wasserstein-1, normalised by the real side's spread) of each continuous one, and the
 * validity shares; names are `records.<field>.jsd|emd`, `records.validity.<test>`.
 */
export function recordMetrics(real: readonly NetflowRecord[], other: readonly NetflowRecord[], cls?: string): Metric[] {
  const tag = cls === undefined ? {} : { class: cls };
  const out: Metric[] = [];
  for (const [field, byRank] of CATEGORICAL) {
    const a = countValues(real.map((r) => r[field]));
    const b = countValues(other.map((r) => r[field]));
    const value = real.length && other.length ? (byRank ? jensenShannonRankCounts(a, b) : jensenShannonCounts(a, b)) : null;
    out.push({ name: `records.${field}.jsd`, value, direction: 'lower', group: 'fidelity', ...tag });
  }
  for (const [field, unit] of CONTINUOUS) {
    const value =
      real.length && other.length
        ? normalisedWasserstein1(
            real.map((r) => r[field]),
            other.map((r) => r[field]),
          )
        : null;
    out.push({ name: `records.${field}.emd`, value, direction: 'lower', group: 'fidelity', unit: `normalised ${unit}`, ...tag });
  }
  const realShares = validityShares(real);
  const otherShares = validityShares(other);
  for (const t of RECORD_TESTS) {
    out.push({
      name: `records.validity.${t.name}`,
      value: otherShares[t.name] ?? null,
      direction: 'higher',
      group: 'validity',
      real: realShares[t.name] ?? null,
      synthetic: otherShares[t.name] ?? null,
      unit: 'share',
      ...tag,
    });
  }
  return out;
}
