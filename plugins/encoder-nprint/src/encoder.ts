import {
  createImageTensor,
  deriveSeed,
  EncodingError,
  InvalidArgumentError,
  type DecodedSample,
  type DecodeProblem,
  type Encoder,
  type EncoderInfo,
  type ImageTensor,
  type JsonObject,
  type JsonValue,
  type LabelledSample,
  type Packet,
  type RenderedImage,
} from '@netsynth/core';
import { ipDatagram } from '@netsynth/pcap';
import type { AddressFillOptions } from './addresses.js';
import { floorUs } from './iat.js';
import { BIT_COLOURS } from './image.js';
import { ipDatagramToBits } from './ip-to-bits.js';
import { learnRowStats } from './learn-file.js';
import { buildLayout, nonAddressColumns, type NprintLayout } from './layout.js';
import type { IpLocator } from './locate-ip.js';
import { nprintOptionsSchema, type NprintOptions } from './options.js';
import { RowStats, RowStatsLearner } from './row-stats.js';
import { ROW_REPAIR_SUMMARY_PREFIX, rowsToPackets, type RowRepair, type RowRepairSummary, type SkippedPacket } from './rows.js';
import type { NprintTable } from './table.js';
import { channelCount, readTensorGap, readTensorRow, tensorWidth, writeTensorRow, type TensorShape } from './tensor.js';
import { timingColumnNames } from './timing-columns.js';

export const ENCODER_NAME = '@netsynth/encoder-nprint';
const STATE_KIND = 'netsynth.encoder-nprint/1';

/** The IP header of a frame of any link type @netsynth/pcap knows (VLAN tags included). */
export const ipOfAnyLinkType: IpLocator = (packet) => {
  const found = ipDatagram(packet);
  return found ? found.bytes.subarray(found.offset, Math.max(found.offset, packet.capturedLength)) : null;
};

export interface EncodeReport {
  tensor: ImageTensor;
  /** Rows holding a packet (the rest is padding). */
  rows: number;
  /** Sample packet index of each row. */
  packetIndex: number[];
  /** Packets nPrint cannot represent (not counted against maxPackets), and why. */
  skipped: SkippedPacket[];
  /** Representable packets left out because the sample had more than maxPackets. */
  overflow: number;
  /** Rows of packets whose headers the snap length cut: captured bits, -1 from the cut on. */
  truncated: number;
}

export interface NprintDecodedSample extends DecodedSample {
  /** Rows that became packets although their bits contradict themselves (lengths, protocol). */
  notes: DecodeProblem[];
  /** Tensor row of each packet. */
  rowOfPacket: number[];
  /** `rows: 'repair'`: the repaired rows with their changes, and the counts. */
  repairs?: RowRepair[];
  repairSummary?: RowRepairSummary;
}

/** One line of counts for a repair-mode decode (also the first entry of `problems`). */
export function formatRepairSummary(s: RowRepairSummary): string {
  const top = Object.entries(s.fields)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `${ROW_REPAIR_SUMMARY_PREFIX}${s.rows} rows → ${s.packets} packets (${s.repaired} repaired, ${s.unchanged} already packets), ${s.padding} padding rows (${s.nearPadding} not all -1); ` +
    `IPv4 ${s.versions.v4}, IPv6 ${s.versions.v6}; TCP ${s.transports.tcp}, UDP ${s.transports.udp}, ICMP ${s.transports.icmp}` +
    (s.transports.none ? `, fragments ${s.transports.none}` : '') +
    (top ? `; changes per field: ${top}` : '')
  );
}

function fnv1a(data: Float32Array): number {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    h ^= words[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * nPrint ⇄ image tensors. A sample's first `maxPackets` representable packets become
 * rows (tensor height maxPackets, padded), one tensor column per kept bit column.
 */
export class NprintEncoder implements Encoder {
  readonly name = ENCODER_NAME;
  private options!: NprintOptions;
  private layout!: NprintLayout;
  private shape!: TensorShape;
  private readonly seed: number;
  private readonly locate: IpLocator;
  private rowStats: RowStats | null = null;

  constructor(options: NprintOptions, context: { seed?: number; locateIp?: IpLocator } = {}) {
    this.seed = context.seed ?? 0;
    this.locate = context.locateIp ?? ipOfAnyLinkType;
    this.configure(options);
  }

  private configure(options: NprintOptions): void {
    this.options = options;
    this.layout = buildLayout({ ...options.headers, payloadBytes: options.payloadBytes });
    const columns = options.keepAddresses ? this.layout.columns.map((_, i) => i) : nonAddressColumns(this.layout);
    this.shape = {
      format: options.tensor,
      columns,
      height: options.maxPackets,
      iat: options.interArrival,
      iatMaxUs: Math.round(options.iatMaxSeconds * 1e6),
      timingColumns: options.timingColumns,
    };
  }

  /** Bit-column names of the tensor's width, left to right (the timing columns not included). */
  tensorColumns(): string[] {
    return this.shape.columns.map((i) => this.layout.columns[i] as string);
  }

  nprintLayout(): NprintLayout {
    return this.layout;
  }

  info(): EncoderInfo {
    const channels = channelCount(this.shape);
    const channelNames = this.shape.format === 'onehot3' ? ['bit=1', 'bit=0', 'bit=-1'] : ['bit'];
    if (this.shape.iat) channelNames.push('iat');
    const metadata: JsonObject = {
      encoding: 'nprint',
      tensor: this.shape.format,
      channelNames,
      columns: this.tensorColumns(),
      headers: { ...this.options.headers },
      payloadBytes: this.options.payloadBytes,
      keepAddresses: this.options.keepAddresses,
      rows: 'one packet per row in sample order; rows after the last packet are padding (all bits -1)',
      iat: this.shape.iat ? { unit: 'us', scale: 'log1p(us)/log1p(maxUs) mapped to [-1,1]', maxUs: this.shape.iatMaxUs } : null,
      timing: this.shape.timingColumns
        ? {
            columns: timingColumnNames(this.shape.timingColumns),
            code: 'thermometer: level k = count of 1 cells, gap = expm1(k/n * log1p(maxUs)) us',
            maxUs: this.shape.iatMaxUs,
          }
        : null,
    };
    return { channels, height: this.shape.height, width: tensorWidth(this.shape), valueRange: [-1, 1], metadata };
  }

  /**
   * Learns the value distributions row repair prefers (field values, option layouts, IP
   * versions and transports, largest lengths) from the training samples' rows.
   */
  fit(samples: readonly LabelledSample[]): void {
    const learner = new RowStatsLearner();
    const row = new Int8Array(this.layout.columns.length);
    for (const sample of samples) {
      learner.beginSample();
      for (const packet of sample.flow.packets) {
        const ip = this.locate(packet);
        if (ip && ipDatagramToBits(ip, this.layout, row, 0).ok) learner.addRow(row, this.layout);
      }
      learner.endSample();
    }
    this.rowStats = learner.result();
  }

  /** The learned distributions (null before fit / a state without them). */
  learnedRowStats(): RowStats | null {
    return this.rowStats;
  }

  /** Sets the distributions row repair prefers (e.g. learned from a capture on the command line). */
  setRowStats(stats: RowStats | null): void {
    this.rowStats = stats;
  }

  /** Row repair learns its fill-in values from a real capture or an nPrint CSV (`decode --learn FILE`). */
  async learnFrom(file: string): Promise<void> {
    this.rowStats = await learnRowStats(file);
  }

  encode(sample: LabelledSample): ImageTensor {
    return this.encodePackets(sample.flow.packets).tensor;
  }

  /** Encodes packets and says what was left out. */
  encodePackets(packets: readonly Packet[]): EncodeReport {
    const shape = this.shape;
    const tensor = createImageTensor(channelCount(shape), shape.height, tensorWidth(shape));
    const row = new Int8Array(this.layout.columns.length);
    const skipped: SkippedPacket[] = [];
    const packetIndex: number[] = [];
    let previousUs = 0n;
    let overflow = 0;
    let truncated = 0;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i] as Packet;
      const ip = this.locate(packet);
      if (!ip) {
        skipped.push({ packetIndex: i, code: 'not-ip', message: `link type ${packet.linkType}: no IPv4/IPv6 header found` });
        continue;
      }
      const res = ipDatagramToBits(ip, this.layout, row, 0);
      if (!res.ok) {
        skipped.push({ packetIndex: i, code: res.code, message: res.message });
        continue;
      }
      if (packetIndex.length >= shape.height) {
        overflow++;
        continue;
      }
      // Gap as nprint's rts: both times cut to whole µs; out-of-order times give 0.
      const us = floorUs(packet.timestampNs);
      const gap = packetIndex.length === 0 ? 0 : Math.max(0, Number(us - previousUs));
      previousUs = us;
      writeTensorRow(tensor.data, shape, packetIndex.length, row, gap);
      packetIndex.push(i);
      if (res.truncated) truncated++;
    }
    for (let y = packetIndex.length; y < shape.height; y++) writeTensorRow(tensor.data, shape, y, null, 0);
    return { tensor, rows: packetIndex.length, packetIndex, skipped, overflow, truncated };
  }

  private checkShape(tensor: ImageTensor): void {
    const want = this.info();
    if (tensor.channels !== want.channels || tensor.height !== want.height || tensor.width !== want.width) {
      throw new InvalidArgumentError(
        `tensor is ${tensor.channels}×${tensor.height}×${tensor.width}, this nPrint encoder makes ${want.channels}×${want.height}×${want.width}`,
      );
    }
  }

  /** Snapped bits of a tensor as a table (tensor columns, unnamed index = row number). */
  tensorToTable(tensor: ImageTensor): NprintTable {
    this.checkShape(tensor);
    const width = this.shape.columns.length;
    const bits = new Int8Array(tensor.height * width);
    for (let y = 0; y < tensor.height; y++) readTensorRow(tensor.data, this.shape, y, bits.subarray(y * width, (y + 1) * width));
    const index = Array.from({ length: tensor.height }, (_, r) => String(r));
    return { indexColumn: '', extraColumns: [], columns: this.tensorColumns(), index, extras: index.map(() => []), bits, rowCount: tensor.height };
  }

  decode(tensor: ImageTensor, label: string): NprintDecodedSample {
    const table = this.tensorToTable(tensor);
    const timestampsNs: bigint[] = [];
    let t = 0n;
    for (let y = 0; y < tensor.height; y++) {
      if (y > 0) t += BigInt(readTensorGap(tensor.data, this.shape, y)) * 1000n;
      timestampsNs.push(t);
    }
    const addresses: AddressFillOptions = {
      ...(this.options.addresses?.ipv4 && { ipv4: this.options.addresses.ipv4 }),
      ...(this.options.addresses?.ipv6 && { ipv6: this.options.addresses.ipv6 }),
      seed: deriveSeed(this.seed, `addresses|${label}|${fnv1a(tensor.data)}`),
    };
    const repair = this.options.rows === 'repair';
    const res = rowsToPackets(table, {
      layout: this.layout,
      timestampsNs,
      addresses,
      rows: this.options.rows,
      ...(repair && {
        repair: {
          stats: this.rowStats,
          seed: deriveSeed(this.seed, `rows|${label}|${fnv1a(tensor.data)}`),
          paddingBelow: this.options.paddingBelow,
          conversation: this.options.conversation,
        },
      }),
    });
    const out: NprintDecodedSample = { label, packets: res.packets, problems: res.problems, notes: res.notes, rowOfPacket: res.rowOfPacket };
    if (res.repairSummary && res.repairs) {
      out.repairs = res.repairs;
      out.repairSummary = res.repairSummary;
      out.problems = [{ message: formatRepairSummary(res.repairSummary), kind: 'summary' }, ...res.problems];
      out.report = { rowRepair: res.repairSummary as unknown as JsonObject };
    }
    return out;
  }

  /** NetDiffusion's picture of the tensor: snapped bits, address columns dropped, 1 red / 0 green / -1 blue. */
  render(tensor: ImageTensor): RenderedImage {
    const table = this.tensorToTable(tensor);
    const keep: number[] = [];
    const addressSet = new Set(this.layout.addressColumns);
    this.shape.columns.forEach((layoutIndex, x) => {
      if (!addressSet.has(layoutIndex)) keep.push(x);
    });
    const width = keep.length;
    const rgba = new Uint8Array(width * tensor.height * 4);
    const w = table.columns.length;
    for (let y = 0; y < tensor.height; y++) {
      for (let x = 0; x < width; x++) {
        const v = table.bits[y * w + (keep[x] as number)] as -1 | 0 | 1;
        rgba.set(BIT_COLOURS[v], (y * width + x) * 4);
      }
    }
    return { width, height: tensor.height, rgba };
  }

  state(): JsonValue {
    const state: JsonObject = { kind: STATE_KIND, options: JSON.parse(JSON.stringify(this.options)) as JsonValue };
    if (this.rowStats) state['rowStats'] = this.rowStats.toJson();
    return state;
  }

  loadState(state: JsonValue): void {
    if (typeof state !== 'object' || state === null || Array.isArray(state) || state['kind'] !== STATE_KIND) {
      throw new EncodingError(`not an nPrint encoder state (expected kind ${STATE_KIND})`);
    }
    const parsed = nprintOptionsSchema.safeParse(state['options']);
    if (!parsed.success) {
      throw new EncodingError(`nPrint encoder state has invalid options: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    }
    // What makes the tensor comes from the state; how to decode it (row mode, padding
    // threshold, addresses, snapping) stays as this instance was created, so a caller's
    // decode options (`netsynth decode DIR --rows repair`, the run's config) are not undone.
    const current = this.options;
    const decodeOptions = {
      rows: current.rows,
      paddingBelow: current.paddingBelow,
      conversation: current.conversation,
      snap: current.snap,
      ...(current.addresses !== undefined ? { addresses: current.addresses } : parsed.data.addresses !== undefined ? { addresses: parsed.data.addresses } : {}),
    };
    this.configure({ ...parsed.data, ...decodeOptions });
    this.rowStats = state['rowStats'] === undefined ? null : RowStats.fromJson(state['rowStats'] as JsonValue);
  }
}
