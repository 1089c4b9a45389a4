import type { SampleAnalysis } from './fields.js';
import { quantileSorted } from './stats/summary.js';

/** How many leading packets contribute their signed size to the feature vector. */
export const LEADING_PACKETS = 8;

const QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

/**
 * Names of the per-sample flow statistics, in vector order. Sizes are IP-layer bytes; times
 * are log10 of microseconds + 1 so sub-ms lab round trips and multi-second gaps both spread.
 */
export const FLOW_FEATURE_NAMES: readonly string[] = [
  'packets',
  'log_bytes',
  'log_duration_us',
  'size_mean',
  'size_std',
  'size_min',
  'size_max',
  ...QUANTILES.map((q) => `size_q${Math.round(q * 100)}`),
  'log_iat_mean_us',
  'log_iat_std_us',
  ...[0.1, 0.5, 0.9].map((q) => `log_iat_q${Math.round(q * 100)}_us`),
  'share_packets_backward',
  'share_bytes_backward',
  'size_mean_forward',
  'size_mean_backward',
  'proto_tcp',
  'proto_udp',
  'proto_icmp',
  'proto_other',
  'service_port',
  'service_port_well_known',
  'client_port_ephemeral',
  'share_syn',
  'share_fin',
  'share_rst',
  'share_psh',
  'ttl_mean',
  'tcp_window_mean',
  'share_empty_payload',
  ...Array.from({ length: LEADING_PACKETS }, (_, i) => `signed_size_${i}`),
];

const logUs = (seconds: number): number => Math.log10(seconds * 1e6 + 1);

function stats(values: number[]): { mean: number; std: number; sorted: Float64Array } {
  const sorted = Float64Array.from(values).sort();
  if (values.length === 0) return { mean: 0, std: 0, sorted };
  let s = 0;
  for (const v of values) s += v;
  const mean = s / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / values.length), sorted };
}

/**
 * The per-sample feature vector the downstream classifiers see (FLOW_FEATURE_NAMES order):
 * packet count, byte statistics and quantiles, inter-arrival statistics, direction shares,
 * protocol one-hot, service (responder) port, TCP flag shares, TTL and window means, and
 * the first LEADING_PACKETS sizes signed by direction (+ forward, − backward, 0 absent).
 */
export function flowFeatures(a: SampleAnalysis): number[] {
  const sizes = a.packets.map((p) => p.length);
  const sz = stats(sizes);
  const iat = stats(a.interArrivals.map(logUs));
  let backPackets = 0;
  let backBytes = 0;
  let fwdBytes = 0;
  let syn = 0;
  let fin = 0;
  let rst = 0;
  let psh = 0;
  let ttlSum = 0;
  let ttlN = 0;
  let winSum = 0;
  let winN = 0;
  let empty = 0;
  a.packets.forEach((p, i) => {
    if (a.directions[i] === 1) {
      backPackets++;
      backBytes += p.length;
    } else fwdBytes += p.length;
    if (p.tcpFlags !== null) {
      if (p.tcpFlags & 0x02) syn++;
      if (p.tcpFlags & 0x01) fin++;
      if (p.tcpFlags & 0x04) rst++;
      if (p.tcpFlags & 0x08) psh++;
    }
    if (p.ttl !== null) {
      ttlSum += p.ttl;
      ttlN++;
    }
    if (p.tcpWindow !== null) {
      winSum += p.tcpWindow;
      winN++;
    }
    if (p.payloadLength === 0) empty++;
  });
  const n = Math.max(a.packetCount, 1);
  const fwdPackets = a.packetCount - backPackets;
  const protocol = a.sample.flow.key.protocol;
  const servicePort = a.sample.flow.key.b.port;
  const clientPort = a.sample.flow.key.a.port;
  const q = (p: number): number => quantileSorted(sz.sorted, p) ?? 0;
  const iq = (p: number): number => quantileSorted(iat.sorted, p) ?? 0;
  const leading = Array.from({ length: LEADING_PACKETS }, (_, i) => {
    const p = a.packets[i];
    if (!p) return 0;
    return a.directions[i] === 1 ? -p.length : p.length;
  });
  return [
    a.packetCount,
    Math.log10(a.byteCount + 1),
    logUs(a.durationSeconds),
    sz.mean,
    sz.std,
    sz.sorted[0] ?? 0,
    sz.sorted[sz.sorted.length - 1] ?? 0,
    ...QUANTILES.map(q),
    iat.mean,
    iat.std,
    iq(0.1),
    iq(0.5),
    iq(0.9),
    backPackets / n,
    a.byteCount > 0 ? backBytes / a.byteCount : 0,
    fwdPackets > 0 ? fwdBytes / fwdPackets : 0,
    backPackets > 0 ? backBytes / backPackets : 0,
    protocol === 6 ? 1 : 0,
    protocol === 17 ? 1 : 0,
    protocol === 1 || protocol === 58 ? 1 : 0,
    protocol !== 6 && protocol !== 17 && protocol !== 1 && protocol !== 58 ? 1 : 0,
    servicePort,
    servicePort > 0 && servicePort < 1024 ? 1 : 0,
    clientPort >= 32768 ? 1 : 0,
    syn / n,
    fin / n,
    rst / n,
    psh / n,
    ttlN > 0 ? ttlSum / ttlN : 0,
    winN > 0 ? winSum / winN : 0,
    empty / n,
    ...leading,
  ];
}

/** Per-column mean and standard deviation of a feature matrix, for z-scoring. */
export interface Standardiser {
  mean: number[];
  std: number[];
}

export function fitStandardiser(rows: readonly (readonly number[])[]): Standardiser {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2 / rows.length;
  // Constant columns keep scale 1 so they map to 0 instead of dividing by zero.
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export function standardise(rows: readonly (readonly number[])[], s: Standardiser): number[][] {
  return rows.map((r) => r.map((v, j) => (v - (s.mean[j] as number)) / (s.std[j] as number)));
}
