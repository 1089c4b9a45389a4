import { createRng, LinkType, secondsToNs, type DecodeProblem, type Direction, type Packet } from '@netsynth/core';
import { recomputeChecksums } from '@netsynth/pcap';
import type { FeatureName } from './features.js';
import type { DecodeOptions } from './options.js';
import type { PacketMaker } from './profiled.js';

const IPV4_HEADER = 20;
const TCP_HEADER = 20;
const UDP_HEADER = 8;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const TCP_ACK = 0x10;
const TCP_PSH = 0x08;

export type PacketTemplate = DecodeOptions;

export interface SeriesPackets {
  packets: Packet[];
  /** directions[i]: 0 client→server, 1 server→client (core's Flow convention). */
  directions: Direction[];
  /** Index of the series point each packet came from (bin index for bytesPerBin). */
  sourceIndex: number[];
  problems: DecodeProblem[];
}

/** Smallest packet of the template's transport: IPv4 header + TCP or UDP header. */
export function minPacketSize(protocol: 'tcp' | 'udp'): number {
  return IPV4_HEADER + (protocol === 'tcp' ? TCP_HEADER : UDP_HEADER);
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map((p) => Number(p) & 0xff);
}

interface FlowState {
  template: PacketTemplate;
  clientPort: number;
  /** Next sequence number of each side (index = direction). */
  seq: [number, number];
  ipId: [number, number];
}

function buildPacket(state: FlowState, direction: Direction, size: number, timestampNs: bigint): Packet {
  const t = state.template;
  const data = new Uint8Array(size);
  const view = new DataView(data.buffer);
  const up = direction === 0;
  const [src, dst] = up ? [t.client, t.server] : [t.server, t.client];
  const [srcPort, dstPort] = up ? [state.clientPort, t.serverPort] : [t.serverPort, state.clientPort];
  // IPv4 header: no options, DF set, TTL 64; the checksum is filled in below.
  data[0] = 0x45;
  view.setUint16(2, size);
  view.setUint16(4, state.ipId[direction]);
  state.ipId[direction] = (state.ipId[direction] + 1) & 0xffff;
  view.setUint16(6, 0x4000);
  data[8] = 64;
  data[9] = t.protocol === 'tcp' ? PROTO_TCP : PROTO_UDP;
  data.set(ipv4Bytes(src), 12);
  data.set(ipv4Bytes(dst), 16);
  view.setUint16(IPV4_HEADER, srcPort);
  view.setUint16(IPV4_HEADER + 2, dstPort);
  if (t.protocol === 'tcp') {
    const payload = size - IPV4_HEADER - TCP_HEADER;
    const other: Direction = up ? 1 : 0;
    view.setUint32(IPV4_HEADER + 4, state.seq[direction] >>> 0);
    view.setUint32(IPV4_HEADER + 8, state.seq[other] >>> 0);
    data[IPV4_HEADER + 12] = (TCP_HEADER / 4) << 4;
    data[IPV4_HEADER + 13] = payload > 0 ? TCP_ACK | TCP_PSH : TCP_ACK;
    view.setUint16(IPV4_HEADER + 14, 65535);
    state.seq[direction] = (state.seq[direction] + payload) >>> 0;
  } else {
    view.setUint16(IPV4_HEADER + 4, size - IPV4_HEADER);
  }
  return recomputeChecksums({ timestampNs, capturedLength: size, originalLength: size, linkType: LinkType.RAW, data });
}

function clampSize(value: number, template: PacketTemplate): number {
  const lo = minPacketSize(template.protocol);
  const hi = Math.max(lo, template.mtu);
  const rounded = Math.round(Math.abs(value));
  return Number.isFinite(rounded) ? Math.min(hi, Math.max(lo, rounded)) : lo;
}

function gapNs(seconds: number): bigint {
  return seconds > 0 && Number.isFinite(seconds) ? BigInt(Math.round(seconds * 1e9)) : 0n;
}

function newFlow(template: PacketTemplate, seed: number): FlowState {
  const rng = createRng(seed);
  const clientPort = template.clientPort ?? 49152 + rng.int(16384);
  return { template, clientPort, seq: [rng.uint32(), rng.uint32()], ipId: [rng.int(65536), rng.int(65536)] };
}

/**
 * A packet sequence that carries the series: sizes, directions and timing come from the
 * series, everything else from the template (a TCP or UDP flow between the template's two
 * IPv4 endpoints, zero payload, consistent lengths, TCP seq/ack following the payload
 * sizes, correct checksums, raw-IP link type). No handshake or teardown is invented; the
 * protocol rulesets repair or add those.
 *
 * Per-packet series (size, signedSize, direction, iat) drive the packets when any is
 * present; otherwise bytesPerBin does (see bytesPerBinPackets). All series must have the
 * same length.
 */
export function seriesToPackets(
  series: Partial<Record<FeatureName, ArrayLike<number>>>,
  template: PacketTemplate,
  options: { seed: number; binSeconds: number; binDirection: 'both' | 'up' | 'down'; maker?: PacketMaker },
): SeriesPackets {
  const perPacket = series.size ?? series.signedSize ?? series.direction ?? series.iat;
  if (!perPacket && series.bytesPerBin) return bytesPerBinPackets(series.bytesPerBin, template, options);
  const result: SeriesPackets = { packets: [], directions: [], sourceIndex: [], problems: [] };
  if (!perPacket) return result;
  const state = newFlow(template, options.seed);
  // A class profile's maker builds the packets when the encoder learned one; else the template.
  const make: PacketMaker = options.maker ?? ((direction, size, t) => buildPacket(state, direction, size, t));
  const sizes = series.size ?? series.signedSize;
  const n = perPacket.length;

  // Which points are packets: a size at least minPacketBytes, else a direction of magnitude
  // ≥ 0.5, else (iat alone) every point up to the last non-zero gap.
  const present = new Uint8Array(n);
  if (sizes) {
    for (let i = 0; i < n; i++) present[i] = Math.abs(sizes[i] as number) >= template.minPacketBytes ? 1 : 0;
  } else if (series.direction) {
    for (let i = 0; i < n; i++) present[i] = Math.abs(series.direction[i] as number) >= 0.5 ? 1 : 0;
  } else if (series.iat) {
    let last = 0;
    for (let i = 0; i < n; i++) if ((series.iat[i] as number) > 1e-9) last = i;
    present.fill(1, 0, last + 1);
  }

  const defaultDirection: Direction = template.defaultDirection === 'up' ? 0 : 1;
  let t = secondsToNs(template.startTimeSeconds);
  let first = true;
  for (let i = 0; i < n; i++) {
    if (!present[i]) continue;
    if (!first) t += series.iat ? gapNs(series.iat[i] as number) : gapNs(template.gapSeconds);
    first = false;
    let direction = defaultDirection;
    if (series.direction) direction = (series.direction[i] as number) >= 0 ? 0 : 1;
    else if (series.signedSize) direction = (series.signedSize[i] as number) >= 0 ? 0 : 1;
    const size = sizes ? clampSize(sizes[i] as number, template) : minPacketSize(template.protocol);
    result.packets.push(make(direction, size, t));
    result.directions.push(direction);
    result.sourceIndex.push(i);
  }
  if (result.packets.length === 0) result.problems.push({ message: 'the recovered series hold no packet (every point reads as padding)' });
  return result;
}

/**
 * Packets from a bytes-per-bin series: bin k's bytes are split into ⌈B/mtu⌉ packets of
 * equal size (clamped to the template's size range), spread evenly over the bin; bins with
 * fewer than minPacketBytes bytes hold no packet. Direction: 'up' when binDirection is
 * 'up', otherwise 'down' (server→client, the download the series usually measures).
 */
export function bytesPerBinPackets(
  bins: ArrayLike<number>,
  template: PacketTemplate,
  options: { seed: number; binSeconds: number; binDirection: 'both' | 'up' | 'down'; maker?: PacketMaker },
): SeriesPackets {
  const result: SeriesPackets = { packets: [], directions: [], sourceIndex: [], problems: [] };
  const state = newFlow(template, options.seed);
  const make: PacketMaker = options.maker ?? ((d, size, t) => buildPacket(state, d, size, t));
  const direction: Direction = options.binDirection === 'up' ? 0 : 1;
  const start = secondsToNs(template.startTimeSeconds);
  const binNs = gapNs(options.binSeconds);
  const mtu = Math.max(minPacketSize(template.protocol), template.mtu);
  for (let k = 0; k < bins.length; k++) {
    const bytes = bins[k] as number;
    if (!(bytes >= template.minPacketBytes)) continue;
    const count = Math.max(1, Math.ceil(bytes / mtu));
    const size = clampSize(bytes / count, template);
    for (let j = 0; j < count; j++) {
      const t = start + BigInt(k) * binNs + (binNs * BigInt(2 * j + 1)) / BigInt(2 * count);
      result.packets.push(make(direction, size, t));
      result.directions.push(direction);
      result.sourceIndex.push(k);
    }
  }
  if (result.packets.length === 0) result.problems.push({ message: 'the recovered bytesPerBin series holds no bin with bytes' });
  return result;
}
