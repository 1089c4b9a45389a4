import {
  EncodingError,
  createImageTensor,
  type DecodedSample,
  type Encoder,
  type EncoderInfo,
  type ImageTensor,
  type JsonObject,
  type JsonValue,
  type LabelledSample,
  type RenderedImage,
} from '@netsynth/core';
import { pluginRuntime, type ProviderContext, type RuntimeOptions } from '@netsynth/nn';
import { Ip2VecTable, recordSentence, trainIp2Vec, type Ip2VecModel } from './ip2vec.js';
import { CONTINUOUS, continuousOf, decodeRecord, encodeRecord, makeLayout, type Embedded, type Layout, type Ranges } from './layout.js';
import type { FlowRecordOptions } from './options.js';
import { recordToPackets } from './packets.js';
import { flowRecord, protocolName, toNetflow, type FlowRecord } from './record.js';
import { learnShapes, shapeFor, type ShapeBank } from './shapes.js';

/** The most common IP protocol that is not TCP, UDP or ICMP; undefined when there is none. */
function mostCommonOther(protocols: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const p of protocols) if (protocolName(p) === 'other') counts.set(p, (counts.get(p) ?? 0) + 1);
  let best: number | undefined;
  for (const [p, n] of counts) if (best === undefined || n > counts.get(best)! || (n === counts.get(best) && p < best)) best = p;
  return best;
}

export const ENCODER_NAME = '@netsynth/encoder-flowrecord';
const STATE_FORMAT = 'netsynth.flowrecord/1';

/** Ranges before `fit`: a day of starts, an hour of duration, 1–65 535 packets, up to 1 GB. */
const DEFAULT_RANGES: Ranges = { start: [0, 86_400], duration: [0, 3600], packets: [1, 65_535], bytes: [0, 1e9] };

/** The record of a decoded sample, beside its packets. */
export interface FlowRecordDecoded extends DecodedSample {
  record: FlowRecord;
}

/**
 * Flow records ⇄ 1×1×L series in [-1, 1] (L = 105 with addresses, 41 without), the shape
 * the 1-D DDPM (`generator-ddpm` with `dims: 1`) takes.
 */
export class FlowRecordEncoder implements Encoder {
  readonly name = ENCODER_NAME;
  readonly layout: Layout;
  readonly length: number;
  private ranges: Ranges;
  private baseSeconds: number;
  /** What `other` decodes to: the training flows' most common protocol beside TCP, UDP, ICMP (255, reserved, when none). */
  private otherProtocol = 255;
  /** Per-class packet shapes of the training flows (empty for record-only input). */
  private shapes: ShapeBank = {};
  /** The IP2Vec table when a field uses it (learned by `fit`, kept in the state). */
  private embedded: Embedded | undefined;

  /** True when some field is encoded with IP2Vec. */
  private get usesIp2Vec(): boolean {
    const e = this.options.encoding;
    return e.addresses === 'ip2vec' || e.ports === 'ip2vec' || e.protocol === 'ip2vec';
  }

  /** Providers and warnings of the IP2Vec session: this plugin's `executionProviders`, else the run's. */
  private readonly runtime: RuntimeOptions;

  /** `env`: the plugin context the encoder was created in (the run's providers, where fallback warnings go). */
  constructor(
    private readonly options: FlowRecordOptions,
    env?: ProviderContext,
  ) {
    this.runtime = pluginRuntime(env, options.executionProviders);
    const { layout, length } = makeLayout(options.addresses, options.encoding, options.ip2vec.dim);
    this.layout = layout;
    this.length = length;
    this.ranges = { ...DEFAULT_RANGES, ...this.fixedRanges() };
    this.baseSeconds = options.decode.startTimeSeconds;
  }

  private fixedRanges(): Partial<Ranges> {
    const out: Partial<Ranges> = {};
    for (const f of CONTINUOUS) {
      const r = this.options.range[f];
      if (r) out[f] = [Math.min(r[0], r[1]), Math.max(r[0], r[1])];
    }
    return out;
  }

  record(sample: LabelledSample): FlowRecord {
    return flowRecord(sample, { requireIpv4: this.options.addresses });
  }

  /** Learns the earliest start and the [min, max] of every continuous field not fixed by options. */
  async fit(samples: readonly LabelledSample[]): Promise<void> {
    if (samples.length === 0) return;
    const records = samples.map((s) => this.record(s));
    if (this.usesIp2Vec) this.setEmbedding(await trainIp2Vec(records.map(recordSentence), this.options.ip2vec, this.runtime));
    this.baseSeconds = records.reduce((m, r) => Math.min(m, r.ts), Infinity);
    this.otherProtocol = mostCommonOther(samples.map((s) => s.flow.record?.proto ?? s.flow.key.protocol)) ?? 255;
    const learned = {} as Ranges;
    for (const f of CONTINUOUS) learned[f] = [Infinity, -Infinity];
    for (const r of records) {
      const v = continuousOf(r, this.baseSeconds);
      for (const f of CONTINUOUS) learned[f] = [Math.min(learned[f][0], v[f]), Math.max(learned[f][1], v[f])];
    }
    this.ranges = { ...learned, ...this.fixedRanges() };
    this.shapes = learnShapes(samples);
  }

  private setEmbedding(model: Ip2VecModel): void {
    this.embedded = { encoding: this.options.encoding, table: new Ip2VecTable(model) };
  }

  /** The IP2Vec table; encoding or decoding an IP2Vec field before `fit` or `loadState` is an error. */
  private embedding(): Embedded | undefined {
    if (this.usesIp2Vec && !this.embedded) {
      throw new EncodingError('the IP2Vec encoding is learned by fit (or loaded with the model state) before records can be encoded or decoded', {
        configPath: 'encoder.options.encoding',
      });
    }
    return this.embedded;
  }

  info(): EncoderInfo {
    return {
      channels: 1,
      height: 1,
      width: this.length,
      valueRange: [-1, 1],
      metadata: { layout: this.layout, ranges: this.ranges, baseSeconds: this.baseSeconds, timeAxis: this.timeAxis() },
    };
  }

  /** Where a record's time sits, for generators that split by time (generator-ddpm's time chunks): start linear, duration log1p. */
  private timeAxis(): JsonObject {
    const { start, duration } = this.ranges;
    return {
      start: { index: this.layout['start']![0], seconds: [this.baseSeconds + start[0], this.baseSeconds + start[1]] },
      duration: { index: this.layout['duration']![0], seconds: [duration[0], duration[1]], scale: 'log1p' },
    };
  }

  encode(sample: LabelledSample): ImageTensor {
    return createImageTensor(1, 1, this.length, encodeRecord(this.record(sample), this.layout, this.length, this.ranges, this.baseSeconds, this.embedding()));
  }

  decode(tensor: ImageTensor, label: string): FlowRecordDecoded {
    if (tensor.data.length !== this.length) {
      throw new EncodingError(`a flow-record tensor has ${this.length} values (1×1×${this.length}); got ${tensor.channels}×${tensor.height}×${tensor.width}`);
    }
    const record = decodeRecord(tensor.data, this.layout, this.ranges, this.baseSeconds, this.options.decode, this.embedding());
    const shape = this.options.decode.split === 'learned' ? shapeFor(this.shapes, label, record.pkt, record.byt, record.td, record.upShare) : undefined;
    const { packets, problems } = recordToPackets(record, this.options.decode, shape);
    let nonFinite = 0;
    for (const v of tensor.data) if (!Number.isFinite(v)) nonFinite++;
    if (nonFinite) problems.unshift({ message: `${nonFinite} non-finite value(s) in the tensor, read as the lowest value` });
    return { label, packets, problems, record, netflow: toNetflow(record, this.otherProtocol) };
  }

  /** One column per value, 8 pixels tall, grey from -1 (black) to 1 (white). */
  render(tensor: ImageTensor): RenderedImage {
    const height = 8;
    const width = tensor.data.length;
    const rgba = new Uint8Array(width * height * 4);
    for (let x = 0; x < width; x++) {
      const v = tensor.data[x] ?? -1;
      const g = Number.isFinite(v) ? Math.round(((Math.min(1, Math.max(-1, v)) + 1) / 2) * 255) : 0;
      for (let y = 0; y < height; y++) rgba.set([g, g, g, 255], (y * width + x) * 4);
    }
    return { width, height, rgba };
  }

  state(): JsonValue {
    return {
      format: STATE_FORMAT,
      addresses: this.options.addresses,
      baseSeconds: this.baseSeconds,
      ranges: this.ranges,
      otherProtocol: this.otherProtocol,
      shapes: this.shapes as unknown as JsonValue,
      ...(this.embedded ? { ip2vec: this.embedded.table.model as unknown as JsonValue } : {}),
    };
  }

  loadState(state: JsonValue): void {
    const s = state as { format?: unknown; addresses?: unknown; baseSeconds?: unknown; ranges?: unknown } | null;
    if (!s || s.format !== STATE_FORMAT || typeof s.baseSeconds !== 'number' || typeof s.ranges !== 'object' || s.ranges === null) {
      throw new EncodingError(`not a flow-record encoder state (expected format ${STATE_FORMAT})`);
    }
    if (s.addresses !== this.options.addresses) {
      throw new EncodingError(`the saved state was made with addresses: ${String(s.addresses)}, the options say ${String(this.options.addresses)}`, {
        configPath: 'encoder.options.addresses',
      });
    }
    this.baseSeconds = s.baseSeconds;
    this.ranges = s.ranges as Ranges;
    this.otherProtocol = typeof (s as { otherProtocol?: unknown }).otherProtocol === 'number' ? (s as { otherProtocol: number }).otherProtocol : 255;
    // States saved before shapes were learned decode with the even split.
    const shapes = (s as { shapes?: unknown }).shapes;
    this.shapes = typeof shapes === 'object' && shapes !== null && !Array.isArray(shapes) ? (shapes as ShapeBank) : {};
    this.loadEmbedding((s as { ip2vec?: unknown }).ip2vec);
  }

  private loadEmbedding(saved: unknown): void {
    if (!this.usesIp2Vec) return;
    const m = saved as Partial<Ip2VecModel> | undefined;
    if (!m || m.dim !== this.options.ip2vec.dim || !Array.isArray(m.vocab) || !Array.isArray(m.vectors)) {
      throw new EncodingError(`the saved state holds no IP2Vec table of dim ${this.options.ip2vec.dim}; the options ask for IP2Vec fields`, {
        configPath: 'encoder.options.encoding',
      });
    }
    this.setEmbedding(m as Ip2VecModel);
  }
}
