import type { Flow, LabelledSample, NetflowRecord } from './flow.js';
import type { JsonObject, JsonValue } from './json.js';
import type { Packet } from './packet.js';
import type { ProgressReporter } from './progress.js';
import type { Rng } from './rng.js';
import type { ImageTensor } from './tensor.js';

/** What every plugin instance gets from the runner. */
export interface PluginContext {
  /** The stage's seed, derived from the run seed and the plugin's place in the config. */
  seed: number;
  rng: Rng;
  progress: ProgressReporter;
  /** Directory this plugin may write into (inside the run's output directory). */
  workDir: string;
  /** Directory relative option paths resolve against (the config file's folder). */
  baseDir: string;
  signal?: AbortSignal;
  /**
   * Extensions the config adds to the generator (`generator.extensions`), already created.
   * Only a generator's context carries them; the generator decides which roles it accepts.
   */
  extensions?: readonly GeneratorExtension[];
  /**
   * The run's `runtime.executionProviders` (e.g. ['cuda', 'cpu']): plugins that run ONNX pass
   * them to every session they open, unless their own `executionProviders` option says otherwise.
   */
  executionProviders?: readonly string[];
}

/**
 * Something added to a generator rather than a generator of its own: a ControlNet beside a
 * Stable Diffusion UNet. Core only knows its role; the generator package that accepts a role
 * exports the full interface an extension of that role implements.
 */
export interface GeneratorExtension {
  readonly name: string;
  /** What it is to a generator, e.g. "controlnet". */
  readonly role: string;
}

// ---------------------------------------------------------------- Encoder

export interface EncoderInfo {
  channels: number;
  height: number;
  width: number;
  /** Range the tensor values lie in, e.g. [-1, 1]. */
  valueRange: [number, number];
  /** Free-form facts a decoder or a reader needs (column names, resize factors...). */
  metadata: JsonObject;
}

/**
 * What a decode problem entry is: a row that could not become a packet (`failed`, the
 * default when absent), a row a repair mode changed into a packet (`repaired`), or one line
 * of counts for the whole sample (`summary`). Callers sort by this, never by message text.
 */
export type DecodeProblemKind = 'failed' | 'repaired' | 'summary';

export interface DecodeProblem {
  /** Row / packet index inside the sample, when the problem concerns one packet. */
  index?: number;
  message: string;
  /** Absent means `failed` (stored problem files written before kinds existed). */
  kind?: DecodeProblemKind;
}

/** The kind of a decode problem, `failed` when it names none. */
export function decodeProblemKind(problem: DecodeProblem): DecodeProblemKind {
  return problem.kind ?? 'failed';
}

export interface DecodedSample {
  label: string;
  packets: Packet[];
  /** Rows the bits could not turn into a packet, and why: reported, never silently dropped. */
  problems: DecodeProblem[];
  /** Series recovered from the image (GASF), in real units, by feature name. */
  series?: Record<string, Float64Array>;
  /** Counts of what the decoder did to the sample (e.g. a row repair mode), for JSON reports. */
  report?: JsonObject;
  /** The flow record the tensor encodes, for record encodings (a records run writes it to synthetic.csv). */
  netflow?: NetflowRecord;
}

export interface RenderedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  rgba: Uint8Array;
}

/** Samples ⇄ image tensors. `decode(encode(s))` gives back what the encoding keeps of `s`. */
export interface Encoder {
  readonly name: string;
  /** Learn data-dependent constants (normalisation maxima...) from training samples. */
  fit?(samples: readonly LabelledSample[]): void | Promise<void>;
  info(): EncoderInfo;
  encode(sample: LabelledSample): ImageTensor;
  decode(tensor: ImageTensor, label: string): DecodedSample;
  /** A picture of the tensor for people (PNG grids, the report). */
  render(tensor: ImageTensor): RenderedImage;
  /** JSON state (fitted constants), saved beside models so decoding matches encoding. */
  state(): JsonValue;
  loadState(state: JsonValue): void;
  /**
   * Learn the values a decoder fills in (a repair mode) from a real capture or a file in one
   * of the plugin's own formats (`netsynth decode --learn FILE`). Encoders without a repair
   * mode leave it out.
   */
  learnFrom?(file: string): Promise<void>;
}

// ---------------------------------------------------------------- Generator

export interface TrainingSet {
  tensors: ImageTensor[];
  /** labels[i] is the class of tensors[i]. */
  labels: string[];
  encoder: { name: string; info: EncoderInfo; state: JsonValue };
}

/**
 * A file a generator may write into its model folder: its training loss per step, as
 * `{ "points": [{ "step": 1, "loss": 0.9 }, …] }`. The run's report plots it.
 */
export const LOSS_HISTORY_FILE = 'loss-history.json';

export interface FitResult {
  modelDir: string;
  steps: number;
  finalLoss?: number;
  /** Step the run resumed from, when a checkpoint was found. */
  resumedFromStep?: number;
  /** Differentially private training: the guarantee the run met (manifest, metrics.json `dp.*`, the report). */
  privacy?: FitPrivacy;
}

/** The (ε, δ)-DP guarantee of a training run and how it was reached. */
export interface FitPrivacy {
  /** ε spent (never above `targetEpsilon`). */
  epsilon: number;
  delta: number;
  targetEpsilon: number;
  noiseMultiplier: number;
  maxGradNorm: number;
  /** Poisson sampling rate of the batches. */
  sampleRate: number;
  steps: number;
  /** How ε was computed, e.g. 'rdp-sampled-gaussian'. */
  accountant: string;
  /** What one unit of protection is (and is not), in words. */
  unit: string;
}

export interface SampleRequest {
  /** How many samples of each label to make. */
  perLabel: Record<string, number>;
  /** Real examples per label, for generators steered by them (ControlNet control images). */
  references?: Record<string, ImageTensor[]>;
  /**
   * Index of the first sample per label (default 0): the request asks for samples
   * first … first + perLabel − 1. Only generators with `indexedSampling` honour it.
   */
  first?: Record<string, number>;
}

export interface GeneratedSample {
  label: string;
  tensor: ImageTensor;
}

export interface Generator {
  readonly name: string;
  /**
   * Sample k of a label is the same whichever request makes it (its randomness derives from
   * the seed, the label and k alone) and `SampleRequest.first` is honoured: the runner can
   * then split sampling into shards (`netsynth run --shard K/N`) that merge into the bytes of
   * one process.
   */
  readonly indexedSampling?: boolean;
  /** Train on encoded samples; write a self-contained model directory; resume from its checkpoint. */
  fit(data: TrainingSet, modelDir: string, ctx: PluginContext): Promise<FitResult>;
  sample(modelDir: string, request: SampleRequest, ctx: PluginContext): Promise<GeneratedSample[]>;
}

// ---------------------------------------------------------------- Constraint

export interface Violation {
  rule: string;
  /** Field name, e.g. "ipv4.checksum", "tcp.options.wscale". */
  field: string;
  /** Index of the packet inside the checked sequence. */
  packetIndex: number;
  message: string;
}

export interface RepairChange {
  rule: string;
  field: string;
  packetIndex: number;
  before: string | number | null;
  after: string | number | null;
  reason: string;
}

/** A packet a ruleset could not make valid; `reason` says which rule and why. */
export interface UnrepairablePacket {
  packetIndex: number;
  rule: string;
  reason: string;
}

/**
 * `packets` has one entry per input packet, in order. A packet that cannot be made valid is
 * listed in `unrepairable` (a packet-scope ruleset returns it unchanged, its partial edits not
 * logged): repair degrades per packet and never throws for one bad packet; the caller decides
 * whether to drop it or keep the input's bytes.
 */
export interface RepairResult {
  packets: Packet[];
  changes: RepairChange[];
  unrepairable?: UnrepairablePacket[];
}

/**
 * A protocol ruleset. `check` and `repair` take one sample: the packets of one flow or
 * window, in order (packet-scope rules look at each packet alone, flow-scope rules at the sequence).
 */
export interface Constraint {
  readonly name: string;
  readonly scope: 'packet' | 'flow';
  /** Learn value distributions from real traffic so repairs prefer values seen there. */
  learn?(samples: readonly Flow[]): void;
  check(packets: readonly Packet[]): Violation[];
  repair(packets: readonly Packet[], rng: Rng): RepairResult;
}

// ---------------------------------------------------------------- Evaluator

export interface EvalSet {
  samples: LabelledSample[];
  images?: GeneratedSample[];
  /** A capture on disk, for evaluators that run external tools (tshark). */
  pcapPath?: string;
  /**
   * Real side only, optional: the samples (and their encoded images) the generator was fitted
   * on. Memorisation checks measure synthetic-to-training distances against it; evaluators
   * that need it and do not get it split `samples` themselves (documented per evaluator).
   */
  training?: { samples: LabelledSample[]; images?: GeneratedSample[] };
}

export type MetricDirection = 'lower' | 'higher' | 'info';

export interface Metric {
  name: string;
  value: number | null;
  /** Which way is better: 'lower' for distances, 'higher' for accuracies. */
  direction: MetricDirection;
  group?: string;
  /** Figures on each side, when the metric compares two values (accuracy real vs synthetic). */
  real?: number | null;
  synthetic?: number | null;
  /**
   * The same metric for real data against itself (the generator's real training samples vs
   * the real holdout, same sizes and seeds): what a perfect generator could reach. A figure
   * at or beyond its floor is as good as real data gets.
   */
  floor?: number | null;
  /** The class the metric is about, when it is about one (per-class views); absent = all classes. */
  class?: string;
  unit?: string;
}

/** A block of the report: a table, a set of CDFs or an image grid, as plain data. */
export interface ReportSection {
  title: string;
  kind: 'table' | 'cdf' | 'images' | 'text';
  data: JsonValue;
}

export interface EvaluationResult {
  evaluator: string;
  metrics: Metric[];
  /** Human-readable fixed-width table of the metrics. */
  table: string;
  sections?: ReportSection[];
}

export interface Evaluator {
  readonly name: string;
  /**
   * True when `evaluate` reads `EvalSet.pcapPath` (it runs a tool on the capture, as validity's
   * tshark does). A caller that has to write the capture first (`netsynth eval` writes the
   * evaluated samples to temporary pcaps) writes it only when some chosen evaluator says so;
   * absent = the evaluator reads the samples alone.
   */
  readonly needsPcap?: boolean;
  evaluate(real: EvalSet, synthetic: EvalSet, ctx: PluginContext): Promise<EvaluationResult>;
}
