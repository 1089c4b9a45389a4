import { learnProfiles, type ClassProfile } from '@netsynth/protocol-rules';
import {
  createImageTensor,
  createRng,
  deriveSeed,
  EncodingError,
  InvalidArgumentError,
  type DecodedSample,
  type Direction,
  type Encoder,
  type EncoderInfo,
  type Flow,
  type ImageTensor,
  type JsonObject,
  type JsonValue,
  type LabelledSample,
  type RenderedImage,
} from '@netsynth/core';
import { FEATURES, type FeatureName } from './features.js';
import { diagonalToSeries, gasfImage, type PixelMapping } from './gasf.js';
import { createNormaliser, denormalise, normalise, scaleOf, type Normaliser } from './normalise.js';
import { gasfOptionsSchema, type GasfOptions, type GasfOptionsInput } from './options.js';
import { seriesToPackets } from './packets.js';
import { profiledMaker } from './profiled.js';
import { renderTensor } from './render.js';
import { extractSeries, type SeriesOptions } from './series.js';
import { pixelToTensor, tensorToPixel, valueRangeOf } from './tensor-range.js';

export const ENCODER_NAME = '@netsynth/encoder-gasf';
const STATE_KIND = 'netsynth.encoder-gasf/1';

export type FeatureSeries = Partial<Record<FeatureName, Float64Array>>;

export interface GasfEncodeReport {
  tensor: ImageTensor;
  /** The series encoded, in real units, `length` points each. */
  series: FeatureSeries;
  /** Values clipped to the normalisation scale, per feature (test data beyond the training maxima). */
  clipped: Partial<Record<FeatureName, number>>;
}

export interface GasfDecodedSample extends DecodedSample {
  /** Recovered series in real units, `seriesLength` points each (down-sampled when resized). */
  series: Record<string, Float64Array>;
  seriesLength: number;
  /** length / seriesLength: how many original points one recovered point stands for. */
  downsampleFactor: number;
  /** directions[i] of packets[i]: 0 client→server, 1 server→client. */
  directions: Direction[];
  /** For each packet, the index of the recovered-series point it came from. */
  seriesIndex: number[];
}

/** Where a scale came from, in priority order: loaded state / option > fit() > natural default. */
type ScaleSource = 'state' | 'option' | 'fit' | 'natural';

function fnv1a(data: Float32Array): number {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    h ^= words[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function fitLength(values: ArrayLike<number>, length: number): Float64Array {
  const out = new Float64Array(length);
  const n = Math.min(length, values.length);
  for (let i = 0; i < n; i++) out[i] = values[i] as number;
  return out;
}

function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Series ⇄ GASF image tensors, one channel per feature (see README). Encoding needs a scale
 * per feature: sizes and directions have natural ones (1500 bytes, 1); iat and bytesPerBin
 * need fit() on training samples or `options.scale`.
 */
export class GasfEncoder implements Encoder {
  readonly name = ENCODER_NAME;
  readonly options: GasfOptions;
  private readonly seed: number;
  private readonly scales = new Map<FeatureName, { value: number; source: ScaleSource }>();
  /** Header profile of every label seen in fit (decode shapes its packets with it). */
  private profiles: Record<string, ClassProfile> = {};

  constructor(options: GasfOptions, context: { seed?: number } = {}) {
    this.options = options;
    this.seed = context.seed ?? 0;
    for (const f of options.features) {
      const fixed = options.scale[f as keyof GasfOptions['scale']];
      const natural = FEATURES[f].naturalScale;
      if (fixed !== undefined) this.scales.set(f, { value: fixed, source: 'option' });
      else if (natural !== undefined) this.scales.set(f, { value: natural, source: 'natural' });
    }
  }

  /** Builds an encoder from raw (unparsed) options; defaults filled in by the schema. */
  static create(options: GasfOptionsInput = {}, context: { seed?: number } = {}): GasfEncoder {
    const parsed = gasfOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidArgumentError(`GASF options: ${issue?.message ?? 'invalid'}`, {
        configPath: ['options', ...(issue?.path ?? []).map(String)].join('.'),
      });
    }
    return new GasfEncoder(parsed.data, context);
  }

  get side(): number {
    return this.options.resolution ?? this.options.length;
  }

  private get mapping(): PixelMapping {
    return { gamma: this.options.gamma, gain: this.options.gain };
  }

  private get seriesOptions(): SeriesOptions {
    return { length: this.options.length, binSeconds: this.options.binSeconds, binDirection: this.options.binDirection };
  }

  private logUnitOf(f: FeatureName): number | undefined {
    return f === 'iat' && this.options.iatScale === 'log' ? this.options.iatLogUnitSeconds : undefined;
  }

  private normaliserOf(f: FeatureName): Normaliser {
    const scale = this.scales.get(f);
    if (!scale) {
      throw new EncodingError(`feature ${f} has no normalisation scale: fit the encoder on training samples or set it`, {
        configPath: `encoder.options.scale.${f}`,
      });
    }
    return createNormaliser(f, scale.value, this.logUnitOf(f));
  }

  /** Learns the scale (largest |value|) of every feature not fixed by options, from training samples. */
  fit(samples: readonly LabelledSample[]): void {
    this.fitSeries(samples.map((s) => this.extract(s)));
    if (samples.length > 0) this.profiles = learnProfiles(samples);
  }

  /** The header profile learned for a label (undefined before fit or for an unseen label). */
  profile(label: string): ClassProfile | undefined {
    return this.profiles[label];
  }

  /** fit() for series already extracted (real units, one record per sample). */
  fitSeries(samples: readonly Partial<Record<FeatureName, ArrayLike<number>>>[]): void {
    if (samples.length === 0) return;
    for (const f of this.options.features) {
      if (f === 'direction') continue;
      if (this.scales.get(f)?.source === 'option') continue;
      const all = samples.map((s) => s[f]).filter((s): s is ArrayLike<number> => s !== undefined);
      if (all.length > 0) this.scales.set(f, { value: scaleOf(all), source: 'fit' });
    }
  }

  /** The series of every selected feature of a sample, in real units, `length` points each. */
  extract(sample: LabelledSample | Flow): FeatureSeries {
    const series: FeatureSeries = {};
    for (const f of this.options.features) series[f] = extractSeries(sample, f, this.seriesOptions);
    return series;
  }

  info(): EncoderInfo {
    const o = this.options;
    const side = this.side;
    const normalisation: JsonObject = {};
    for (const f of o.features) {
      const s = this.scales.get(f);
      const logUnit = this.logUnitOf(f);
      normalisation[f] = {
        method: FEATURES[f].signed ? 'symmetric-minmax' : 'max',
        scale: s?.value ?? null,
        scaleSource: s?.source ?? null,
        unit: FEATURES[f].unit,
        transform: logUnit === undefined ? 'linear' : 'log1p',
        ...(logUnit !== undefined && { logUnit }),
      };
    }
    const metadata: JsonObject = {
      encoder: ENCODER_NAME,
      features: [...o.features],
      axis: Object.fromEntries(o.features.map((f) => [f, FEATURES[f].axis])),
      length: o.length,
      resolution: o.resolution,
      seriesLength: side,
      downsampleFactor: o.length / side,
      resizeMode: side === o.length ? 'none' : side < o.length ? 'area' : 'area-zoom (OpenCV bilinear emulation)',
      gamma: o.gamma,
      gain: o.gain,
      tensorRange: o.tensorRange,
      tensorMapping: o.tensorRange === 'symmetric' ? 'tensor = 2·pixel − gain' : 'tensor = pixel',
      pixelMapping: 'pixel = gain · ((GASF + 1) / 2)^gamma',
      normalisation,
      binSeconds: o.binSeconds,
      binDirection: o.binDirection,
    };
    return { channels: o.features.length, height: side, width: side, valueRange: valueRangeOf(o.tensorRange, o.gain), metadata };
  }

  /** Encodes series already extracted (real units); each is truncated or zero-padded to `length`. */
  encodeSeries(series: Partial<Record<FeatureName, ArrayLike<number>>>): GasfEncodeReport {
    const o = this.options;
    const side = this.side;
    const tensor = createImageTensor(o.features.length, side, side);
    const kept: FeatureSeries = {};
    const clipped: Partial<Record<FeatureName, number>> = {};
    const plane = side * side;
    o.features.forEach((f, c) => {
      const raw = series[f];
      if (!raw) throw new InvalidArgumentError(`series for feature ${f} missing`);
      const values = fitLength(raw, o.length);
      const { x, clipped: n } = normalise(this.normaliserOf(f), values);
      const image = gasfImage(x, this.mapping, side);
      for (let i = 0; i < plane; i++) tensor.data[c * plane + i] = pixelToTensor(o.tensorRange, o.gain, image[i] as number);
      kept[f] = values;
      clipped[f] = n;
    });
    return { tensor, series: kept, clipped };
  }

  /** Encode plus the series and clip counts behind the tensor. */
  encodeDetailed(sample: LabelledSample | Flow): GasfEncodeReport {
    return this.encodeSeries(this.extract(sample));
  }

  encode(sample: LabelledSample): ImageTensor {
    return this.encodeDetailed(sample).tensor;
  }

  private checkShape(tensor: ImageTensor): void {
    const side = this.side;
    const c = this.options.features.length;
    if (tensor.channels !== c || tensor.height !== side || tensor.width !== side || tensor.data.length !== c * side * side) {
      throw new EncodingError(
        `GASF tensor is ${tensor.channels}×${tensor.height}×${tensor.width}, this encoder makes ${c}×${side}×${side} (features ${this.options.features.join(', ')})`,
      );
    }
  }

  /** Series in real units from the tensor's diagonals, `seriesLength` points each. */
  decodeSeries(tensor: ImageTensor): FeatureSeries {
    this.checkShape(tensor);
    const o = this.options;
    const side = this.side;
    const plane = side * side;
    const out: FeatureSeries = {};
    o.features.forEach((f, c) => {
      const diagonal = new Float64Array(side);
      for (let k = 0; k < side; k++) diagonal[k] = tensorToPixel(o.tensorRange, o.gain, tensor.data[c * plane + k * side + k] as number);
      out[f] = denormalise(this.normaliserOf(f), diagonalToSeries(diagonal, this.mapping));
    });
    return out;
  }

  decode(tensor: ImageTensor, label: string): GasfDecodedSample {
    const series = this.decodeSeries(tensor);
    const o = this.options;
    const side = this.side;
    // A resized image gives `side` points for `length`: stretch back (each original point
    // takes the recovered point whose cell holds its centre) so packet counts and durations
    // keep the original scale.
    const stretch = o.decode.expand && side !== o.length;
    const length = stretch ? o.length : side;
    const pointOf = (i: number): number => (stretch ? Math.min(side - 1, Math.floor(((i + 0.5) * side) / o.length)) : i);
    const forPackets: FeatureSeries = {};
    for (const f of o.features) {
      const s = series[f] as Float64Array;
      forPackets[f] = stretch ? Float64Array.from({ length }, (_, i) => s[pointOf(i)] as number) : s;
    }
    const seed = deriveSeed(this.seed, `${label}#${fnv1a(tensor.data)}`);
    const profile = this.profiles[label];
    const maker = profile && profiledMaker(profile, { client: o.decode.client, server: o.decode.server, mtu: o.decode.mtu }, createRng(seed));
    const made = seriesToPackets(forPackets, o.decode, { seed, binSeconds: o.binSeconds, binDirection: o.binDirection, ...(maker && { maker }) });
    const problems = [...this.nonFiniteDiagonals(tensor), ...made.problems];
    return {
      label,
      packets: made.packets,
      problems,
      series: series as Record<string, Float64Array>,
      seriesLength: side,
      downsampleFactor: o.length / side,
      directions: made.directions,
      seriesIndex: made.sourceIndex.map(pointOf),
    };
  }

  /** Diagonal values that are NaN or infinite (read as pixel 0), reported per channel. */
  private nonFiniteDiagonals(tensor: ImageTensor): { message: string }[] {
    const side = this.side;
    const plane = side * side;
    const problems: { message: string }[] = [];
    this.options.features.forEach((f, c) => {
      let bad = 0;
      for (let k = 0; k < side; k++) if (!Number.isFinite(tensor.data[c * plane + k * side + k] as number)) bad++;
      if (bad > 0) problems.push({ message: `${bad} non-finite value(s) on the diagonal of channel ${c} (${f}) read as 0` });
    });
    return problems;
  }

  render(tensor: ImageTensor): RenderedImage {
    return renderTensor(tensor, valueRangeOf(this.options.tensorRange, this.options.gain), this.options.render);
  }

  state(): JsonValue {
    const scales: JsonObject = {};
    for (const f of this.options.features) scales[f] = this.scales.get(f)?.value ?? null;
    return {
      kind: STATE_KIND,
      features: [...this.options.features],
      length: this.options.length,
      iatScale: this.options.iatScale,
      iatLogUnitSeconds: this.options.iatLogUnitSeconds,
      scales,
      profiles: this.profiles as unknown as JsonValue,
    };
  }

  loadState(state: JsonValue): void {
    if (!isJsonObject(state) || state['kind'] !== STATE_KIND) {
      throw new EncodingError(`not a GASF encoder state (expected kind ${STATE_KIND})`, { configPath: 'encoder.state' });
    }
    const o = this.options;
    const mismatch = (key: string, saved: JsonValue | undefined, mine: JsonValue): void => {
      if (JSON.stringify(saved) !== JSON.stringify(mine)) {
        throw new EncodingError(`state was saved with ${key} ${JSON.stringify(saved)}, this encoder has ${JSON.stringify(mine)}`, {
          configPath: `encoder.options.${key}`,
        });
      }
    };
    mismatch('features', state['features'], [...o.features]);
    mismatch('length', state['length'], o.length);
    mismatch('iatScale', state['iatScale'], o.iatScale);
    if (o.iatScale === 'log') mismatch('iatLogUnitSeconds', state['iatLogUnitSeconds'], o.iatLogUnitSeconds);
    const scales = state['scales'];
    if (!isJsonObject(scales)) throw new EncodingError('GASF state has no scales', { configPath: 'encoder.state.scales' });
    for (const f of o.features) {
      const v = scales[f];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
        throw new EncodingError(`GASF state scale of ${f} is ${JSON.stringify(v)}, not a positive number`, { configPath: `encoder.state.scales.${f}` });
      }
      this.scales.set(f, { value: v, source: 'state' });
    }
    // States saved before profiles were learned decode with the template (decode options).
    const profiles = state['profiles'];
    this.profiles = isJsonObject(profiles) ? (profiles as unknown as Record<string, ClassProfile>) : {};
  }
}
