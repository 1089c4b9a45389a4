import type { Rng } from '@netsynth/core';
import type { RowStats } from './row-stats.js';

/**
 * Filling the -1 cells of one header field: the known cells stay as they are; the missing
 * ones come, in order of preference, from (1) the most frequent learned value that agrees
 * with the known cells, (2) the learned majority of each missing bit, (3) a default a
 * current stack uses (flags off, TTL 64...) when nothing was learned for the field, (4) a
 * seeded random bit (NetDiffusion's only choice) for fields that have no sensible default
 * (sequence numbers, ports, checksums).
 */
export type FillReason = 'learned value' | 'learned bit majority' | 'default' | 'random bit';

/** Defaults for fields with an obvious common value (RFC-conformant, current Linux stack). */
export const FIELD_DEFAULTS: Readonly<Record<string, number>> = {
  ipv4_tos: 0,
  ipv4_rbit: 0,
  ipv4_dfbit: 1,
  ipv4_mfbit: 0,
  ipv4_foff: 0,
  ipv4_ttl: 64,
  ipv6_tc: 0,
  ipv6_fl: 0,
  ipv6_hl: 64,
  tcp_res: 0,
  tcp_ns: 0,
  tcp_cwr: 0,
  tcp_ece: 0,
  tcp_urg: 0,
  tcp_ackf: 1,
  tcp_psh: 0,
  tcp_rst: 0,
  tcp_syn: 0,
  tcp_fin: 0,
  tcp_urp: 0,
  icmp_code: 0,
  tcp_optval_mss: 1460,
  tcp_optval_wscale: 7,
};

/** The field's cells as text: the number when every cell is 0/1, else the cells (`-` for -1). */
export function fieldText(row: Int8Array, start: number, bits: number): string {
  let s = '';
  let complete = true;
  for (let i = 0; i < bits; i++) {
    const v = row[start + i] as number;
    if (v === -1) complete = false;
    s += v === -1 ? '-' : String(v);
  }
  if (!complete) return `bits ${s}`;
  let n = 0;
  for (let i = 0; i < bits; i++) n = n * 2 + (row[start + i] as number);
  return String(n);
}

function agrees(row: Int8Array, start: number, bits: number, value: number): boolean {
  for (let i = 0; i < bits; i++) {
    const cell = row[start + i] as number;
    if (cell !== -1 && cell !== Math.floor(value / 2 ** (bits - 1 - i)) % 2) return false;
  }
  return true;
}

function writeMissing(row: Int8Array, start: number, bits: number, bit: (i: number) => number): void {
  for (let i = 0; i < bits; i++) if (row[start + i] === -1) row[start + i] = bit(i);
}

const bitOf = (value: number, bits: number, i: number): number => Math.floor(value / 2 ** (bits - 1 - i)) % 2;

/** Fills the field's -1 cells; null when it had none. */
export function fillField(row: Int8Array, start: number, bits: number, name: string, stats: RowStats | null, rng: Rng): FillReason | null {
  let missing = false;
  for (let i = 0; i < bits; i++) if (row[start + i] === -1) missing = true;
  if (!missing) return null;
  const stat = stats?.field(name);
  if (stat && stat.ones.length === bits) {
    for (const [value] of stat.top) {
      if (agrees(row, start, bits, value)) {
        writeMissing(row, start, bits, (i) => bitOf(value, bits, i));
        return 'learned value';
      }
    }
    writeMissing(row, start, bits, (i) => ((stat.ones[i] ?? 0) * 2 >= stat.n ? 1 : 0));
    return 'learned bit majority';
  }
  const def = FIELD_DEFAULTS[name];
  if (def !== undefined) {
    writeMissing(row, start, bits, (i) => bitOf(def, bits, i));
    return 'default';
  }
  writeMissing(row, start, bits, () => rng.int(2));
  return 'random bit';
}

/** Writes a whole value into a field (MSB first). */
export function writeField(row: Int8Array, start: number, bits: number, value: number): void {
  for (let i = 0; i < bits; i++) row[start + i] = bitOf(value, bits, i);
}
