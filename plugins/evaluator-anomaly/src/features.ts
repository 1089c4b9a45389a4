import type { NetflowRecord } from '@netsynth/core';

/** The NetML-style flow features of a record (its statistics mode, on what a record holds). */
export const FEATURE_NAMES = [
  'log_duration',
  'log_packets',
  'log_bytes',
  'log_bytes_per_packet',
  'log_packets_per_second',
  'log_bytes_per_second',
  'proto_tcp',
  'proto_udp',
  'proto_icmp',
  'proto_other',
  'dstport_system',
  'dstport_registered',
  'srcport_system',
  'srcport_registered',
] as const;

/** Rates use at least 1 ms, so one-packet records (duration 0) get a finite rate. */
const MIN_DURATION = 1e-3;

export function recordFeatures(r: NetflowRecord): number[] {
  const td = Math.max(r.td, MIN_DURATION);
  const pkt = Math.max(r.pkt, 1);
  const portClass = (p: number): [number, number] => [p > 0 && p < 1024 ? 1 : 0, p >= 1024 && p < 49152 ? 1 : 0];
  return [
    Math.log1p(r.td),
    Math.log1p(r.pkt),
    Math.log1p(r.byt),
    Math.log1p(r.byt / pkt),
    Math.log1p(r.pkt / td),
    Math.log1p(r.byt / td),
    r.proto === 6 ? 1 : 0,
    r.proto === 17 ? 1 : 0,
    r.proto === 1 ? 1 : 0,
    r.proto !== 6 && r.proto !== 17 && r.proto !== 1 ? 1 : 0,
    ...portClass(r.dstport),
    ...portClass(r.srcport),
  ];
}

/** Mean and standard deviation per feature (a constant feature gets 1, so it scales to 0). */
export function standardiser(rows: readonly number[][]): (x: number[]) => number[] {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const r of rows) r.forEach((v, i) => (mean[i]! += v / rows.length));
  for (const r of rows) r.forEach((v, i) => (sd[i]! += (v - mean[i]!) ** 2 / rows.length));
  const s = sd.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1));
  return (x) => x.map((v, i) => (v - mean[i]!) / s[i]!);
}
