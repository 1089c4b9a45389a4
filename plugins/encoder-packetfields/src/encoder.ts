import {
  createImageTensor,
  createRng,
  deriveSeed,
  EncodingError,
  secondsToNs,
  type DecodedSample,
  type DecodeProblem,
  type Direction,
  type Encoder,
  type EncoderInfo,
  type ImageTensor,
  type JsonValue,
  type LabelledSample,
  type RenderedImage,
} from '@netsynth/core';
import { buildFlow, opensWithSyn } from './build.js';
import { chooseFlow, type FlowChoice } from './choose.js';
import { markAbsent } from './absent.js';
import { sampleRows } from './extract.js';
import { holdToSummary } from './flowstats.js';
import { decodeFlow, decodeRows, encodeRows, flagsAt, FIELD_COUNT, FIELD_NAMES, FLOW_FIELDS, PACKET_FIELDS, SUMMARY_CHANNELS } from './layout.js';
import type { PacketFieldsOptions } from './options.js';
import { learnProfiles, type ClassProfile } from '@netsynth/protocol-rules';
import type { PacketRow, SampleRows } from './rows.js';
import { fieldScaler, learnKnots, type DirectionKnots, type FieldScaler, type FlowKnots, type Scales } from './scaling.js';
import { buildKindKnots, withFallback } from './kinds.js';
import { openingDirections } from './opening.js';
import { learnOptionSets, type OptionSets } from './optionsets.js';

export const ENCODER_NAME = '@netsynth/encoder-packetfields';
const STATE_FORMAT = 'netsynth.packetfields/3';
/** States before the quantile scaling (/1: no knots, the linear map) and before per-protocol, count and back-share knots (/2). */
const STATE_FORMATS = new Set(['netsynth.packetfields/1', 'netsynth.packetfields/2', STATE_FORMAT]);
/** Quantile knots of every label, and of all labels together (the fallback for an unseen label). */
interface Knots {
  labels: Record<string, DirectionKnots>;
  pooled: DirectionKnots | null;
  /**
   * Knots of a label's flows of one protocol, for labels whose flows used more than one (label →
   * protocol → knots): a class that mixes kinds of flow (a UDP stream and its TCP control
   * connection) maps a generated rank to what flows of the decoded protocol sent, not to a blend.
   */
  protocols?: Record<string, Record<string, DirectionKnots>>;
  /** Packet-count and back-share knots (label → protocol → knots): a generated rank decodes to what flows of that kind had. */
  flows?: Record<string, Record<string, FlowKnots>>;
}
/** Scales before fit: an Ethernet MTU of bytes, 10 s gaps. */
const DEFAULT_SCALES: Scales = { length: 1500, iat: 10 };

export interface PacketFieldsDecoded extends DecodedSample {
  directions: Direction[];
  /** The generated rows (real units, before the profile shaped them) and the flow the decode chose. */
  rows: PacketRow[];
  flow: FlowChoice;
}

function fnv1a(data: Float32Array): number {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ (words[i] as number), 0x01000193) >>> 0;
  return h;
}

/** A flow (or window) as packets × header fields, and back to packets shaped by per-class profiles (README). */
export class PacketFieldsEncoder implements Encoder {
  readonly name = ENCODER_NAME;
  private scales: Scales = { ...DEFAULT_SCALES };
  private profiles: Record<string, ClassProfile> = {};
  private knots: Knots = { labels: {}, pooled: null };
  private optionSets: OptionSets = {};

  constructor(
    readonly options: PacketFieldsOptions,
    private readonly seed = 0,
  ) {}

  /** Learns the length and gap scales, every label's quantile knots (scaling: quantile) and header profile. */
  fit(samples: readonly LabelledSample[]): void {
    if (samples.length === 0) return;
    let length = 40;
    let iat = 1e-3;
    const byLabel = new Map<string, SampleRows[]>();
    for (const s of samples) {
      const rows = sampleRows(s, this.options.maxPackets);
      for (const r of rows.rows) {
        length = Math.max(length, r.ipLength);
        iat = Math.max(iat, r.iat);
      }
      const mine = byLabel.get(s.label) ?? [];
      mine.push(rows);
      byLabel.set(s.label, mine);
    }
    this.scales = { length, iat };
    this.knots =
      this.options.scaling === 'quantile'
        ? {
            labels: Object.fromEntries([...byLabel].map(([l, r]) => [l, learnKnots(r)])),
            pooled: learnKnots([...byLabel.values()].flat()),
            ...buildKindKnots(byLabel, this.options.maxPackets),
          }
        : { labels: {}, pooled: null };
    this.profiles = learnProfiles(samples);
    this.optionSets = learnOptionSets(byLabel);
  }

  /** The scaler of a label's flows of one protocol: that protocol's knots when the label has several, else the label's. */
  private scaler(label: string, protocol: number): FieldScaler {
    const own = withFallback(this.knots.protocols?.[label]?.[String(protocol)], this.knots.labels[label]);
    return fieldScaler(this.scales, own, this.knots.pooled ?? undefined, this.knots.flows?.[label]?.[String(protocol)]);
  }

  /** The learned profile of a label (undefined before fit or for an unseen label). */
  profile(label: string): ClassProfile | undefined {
    return this.profiles[label];
  }

  info(): EncoderInfo {
    const p = this.options.maxPackets;
    const series = this.options.layout === 'series';
    return {
      channels: series ? FIELD_COUNT : 1,
      height: series ? 1 : p,
      width: series ? p : FIELD_COUNT,
      valueRange: [-1, 1],
      metadata: {
        encoder: ENCODER_NAME,
        layout: this.options.layout,
        fields: [...FIELD_NAMES],
        packetFields: PACKET_FIELDS.length,
        flowFields: FLOW_FIELDS.length,
        maxPackets: p,
        scales: { ...this.scales },
        scaling: this.options.scaling,
      },
    };
  }

  /** Field-major values ⇄ the tensor's layout (matrix: row = packet, column = field). */
  private toTensor(fieldMajor: Float32Array): ImageTensor {
    const p = this.options.maxPackets;
    if (this.options.layout === 'series') return createImageTensor(FIELD_COUNT, 1, p, fieldMajor);
    const out = new Float32Array(fieldMajor.length);
    for (let c = 0; c < FIELD_COUNT; c++) for (let i = 0; i < p; i++) out[i * FIELD_COUNT + c] = fieldMajor[c * p + i] as number;
    return createImageTensor(1, p, FIELD_COUNT, out);
  }

  private fromTensor(t: ImageTensor): Float32Array {
    const info = this.info();
    if (t.channels !== info.channels || t.height !== info.height || t.width !== info.width || t.data.length !== FIELD_COUNT * this.options.maxPackets) {
      throw new EncodingError(
        `a packet-field tensor is ${info.channels}×${info.height}×${info.width} (layout ${this.options.layout}); got ${t.channels}×${t.height}×${t.width}`,
        {
          configPath: 'encoder.options.layout',
        },
      );
    }
    if (this.options.layout === 'series') return t.data;
    const p = this.options.maxPackets;
    const out = new Float32Array(t.data.length);
    for (let i = 0; i < p; i++) for (let c = 0; c < FIELD_COUNT; c++) out[c * p + i] = t.data[i * FIELD_COUNT + c] as number;
    return out;
  }

  encode(sample: LabelledSample): ImageTensor {
    const rows = sampleRows(sample, this.options.maxPackets);
    const scaler = this.scaler(sample.label, rows.flow.protocol);
    return this.toTensor(markAbsent(encodeRows(rows, this.options.maxPackets, scaler), rows.rows, this.options.maxPackets));
  }

  decode(tensor: ImageTensor, label: string): PacketFieldsDecoded {
    const generated = this.fromTensor(tensor);
    const p = this.options.maxPackets;
    const problems: DecodeProblem[] = [];
    let nonFinite = 0;
    for (const v of generated) if (!Number.isFinite(v)) nonFinite++;
    if (nonFinite) problems.push({ message: `${nonFinite} non-finite value(s) in the tensor, read as -1` });
    const rng = createRng(deriveSeed(this.seed, `${label}#${fnv1a(tensor.data)}`));
    // The protocol first: the sizes, gaps and count are read with that kind of flow's knots.
    const flow = chooseFlow(decodeFlow(generated, p), this.profiles[label], rng, problems);
    const sets = this.optionSets[label]?.[String(flow.protocol)];
    if (sets) flow.optionSets = sets;
    const scaler = this.scaler(label, flow.protocol);
    // Packets held to the flow's own count, direction share and per-direction means and spreads.
    // The opening's directions (the initiator first; SYN, SYN-ACK, ACK) are set before the values
    // are read, so a turned packet takes its new side's values at its rank (opening.ts).
    const opening = flow.protocol === 6 && opensWithSyn({ choice: flow }, flagsAt(generated, p, 0));
    const values = holdToSummary(generated, p, SUMMARY_CHANNELS, scaler, openingDirections(opening));
    // No more packets than a sample of this class and protocol ever held (e.g. one query and its answer).
    const rows = decodeRows(values, p, scaler).rows.slice(0, flow.profile?.maxPackets ?? p);
    if (rows.length === 0) problems.push({ message: 'no position is marked present: the sample decodes to no packet' });
    const d = this.options.decode;
    // Flows start within an hour of startTimeSeconds (a seeded offset), so a capture of many is not one burst.
    const startNs = secondsToNs(d.startTimeSeconds + rng.int(3600) + rng.next());
    const built = buildFlow(
      rows,
      flow,
      { client: d.client, server: d.server, startNs, mtu: d.mtu ?? Math.max(68, Math.min(65535, this.scales.length)) },
      rng,
      problems,
    );
    return { label, packets: built.packets, directions: built.directions, problems, rows, flow };
  }

  /** One column per packet position, one row per field, grey from -1 (black) to 1 (white). */
  render(tensor: ImageTensor): RenderedImage {
    const values = this.fromTensor(tensor);
    const width = this.options.maxPackets;
    const height = FIELD_COUNT;
    const rgba = new Uint8Array(width * height * 4);
    for (let c = 0; c < height; c++) {
      for (let i = 0; i < width; i++) {
        const v = values[c * width + i] as number;
        const g = Number.isFinite(v) ? Math.round(((Math.min(1, Math.max(-1, v)) + 1) / 2) * 255) : 0;
        rgba.set([g, g, g, 255], (c * width + i) * 4);
      }
    }
    return { width, height, rgba };
  }

  state(): JsonValue {
    return {
      format: STATE_FORMAT,
      maxPackets: this.options.maxPackets,
      scales: { ...this.scales },
      knots: this.knots as unknown as JsonValue,
      profiles: this.profiles as unknown as JsonValue,
      optionSets: this.optionSets as unknown as JsonValue,
    };
  }

  loadState(state: JsonValue): void {
    const s = state as { format?: unknown; maxPackets?: unknown; scales?: Partial<Scales>; knots?: Knots; profiles?: unknown; optionSets?: OptionSets } | null;
    if (
      !s ||
      !STATE_FORMATS.has(String(s.format)) ||
      typeof s.scales?.length !== 'number' ||
      typeof s.scales.iat !== 'number' ||
      typeof s.profiles !== 'object' ||
      s.profiles === null
    ) {
      throw new EncodingError(`not a packet-field encoder state (expected format ${STATE_FORMAT})`, { configPath: 'encoder.state' });
    }
    if (s.maxPackets !== this.options.maxPackets) {
      throw new EncodingError(`the saved state was made with maxPackets ${String(s.maxPackets)}, the options say ${this.options.maxPackets}`, {
        configPath: 'encoder.options.maxPackets',
      });
    }
    this.scales = { length: s.scales.length, iat: s.scales.iat };
    this.knots = s.knots ?? { labels: {}, pooled: null };
    this.profiles = s.profiles as Record<string, ClassProfile>;
    this.optionSets = s.optionSets ?? {};
  }
}
