import { InvalidArgumentError, type Direction, type Flow, type LabelledSample, type Packet } from '@netsynth/core';
import { ipLength } from '@netsynth/pcap';
import type { FeatureName } from './features.js';

export interface SeriesOptions {
  /** Points per series: truncated or zero-padded to it. */
  length: number;
  /** Bin width of bytesPerBin, seconds. */
  binSeconds: number;
  /** Packets bytesPerBin counts. */
  binDirection: 'both' | 'up' | 'down';
}

export const DEFAULT_SERIES_OPTIONS: Readonly<SeriesOptions> = { length: 300, binSeconds: 0.25, binDirection: 'both' };

/** Packets and directions of a sample (a flow, or a window of one). */
function partsOf(sample: LabelledSample | Flow): { packets: Packet[]; directions: Direction[] } {
  const flow = 'flow' in sample ? sample.flow : sample;
  if (flow.directions.length !== flow.packets.length) {
    throw new InvalidArgumentError(`flow ${flow.id} has ${flow.packets.length} packets but ${flow.directions.length} directions`);
  }
  return { packets: flow.packets, directions: flow.directions };
}

/** +1 for client→server (direction 0, "up"), −1 for server→client. */
function sign(d: Direction): 1 | -1 {
  return d === 0 ? 1 : -1;
}

function checkOptions(o: SeriesOptions): void {
  if (!Number.isInteger(o.length) || o.length <= 0) throw new InvalidArgumentError(`series length must be a positive integer, got ${o.length}`);
  if (!(o.binSeconds > 0) || !Number.isFinite(o.binSeconds)) throw new InvalidArgumentError(`binSeconds must be positive, got ${o.binSeconds}`);
}

/**
 * One feature's series of a sample, `length` points long (truncated, or zero-padded at the
 * end). Per-packet features take the first `length` packets; bytesPerBin takes the first
 * `length` bins of binSeconds from the sample's first packet.
 */
export function extractSeries(sample: LabelledSample | Flow, feature: FeatureName, options: SeriesOptions = DEFAULT_SERIES_OPTIONS): Float64Array {
  checkOptions(options);
  const { packets, directions } = partsOf(sample);
  const out = new Float64Array(options.length);
  const n = Math.min(packets.length, options.length);
  switch (feature) {
    case 'size':
      for (let i = 0; i < n; i++) out[i] = ipLength(packets[i] as Packet);
      break;
    case 'signedSize':
      for (let i = 0; i < n; i++) out[i] = sign(directions[i] as Direction) * ipLength(packets[i] as Packet);
      break;
    case 'direction':
      for (let i = 0; i < n; i++) out[i] = sign(directions[i] as Direction);
      break;
    case 'iat':
      // Gaps in ns as bigint first: epoch-scale seconds in a double would round to ~0.2 µs.
      for (let i = 1; i < n; i++) {
        const gap = (packets[i] as Packet).timestampNs - (packets[i - 1] as Packet).timestampNs;
        out[i] = gap > 0n ? Number(gap) / 1e9 : 0;
      }
      break;
    case 'bytesPerBin': {
      const first = packets[0];
      if (!first) break;
      const binNs = BigInt(Math.max(1, Math.round(options.binSeconds * 1e9)));
      for (let i = 0; i < packets.length; i++) {
        const d = directions[i] as Direction;
        if (options.binDirection === 'up' && d !== 0) continue;
        if (options.binDirection === 'down' && d !== 1) continue;
        const p = packets[i] as Packet;
        const offset = p.timestampNs - first.timestampNs;
        const bin = offset > 0n ? Number(offset / binNs) : 0;
        if (bin >= options.length) continue;
        out[bin] = (out[bin] as number) + ipLength(p);
      }
      break;
    }
    default: {
      const never: never = feature;
      throw new InvalidArgumentError(`unknown GASF feature ${String(never)}`);
    }
  }
  return out;
}

/** Every selected feature's series, by name. */
export function extractAllSeries(
  sample: LabelledSample | Flow,
  features: readonly FeatureName[],
  options: SeriesOptions = DEFAULT_SERIES_OPTIONS,
): Partial<Record<FeatureName, Float64Array>> {
  const out: Partial<Record<FeatureName, Float64Array>> = {};
  for (const f of features) out[f] = extractSeries(sample, f, options);
  return out;
}
