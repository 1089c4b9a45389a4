import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  LOSS_HISTORY_FILE,
  writeFileAtomic,
  type EvalSet,
  type EvaluationResult,
  type GeneratedSample,
  type LabelledSample,
  type NetflowRecord,
  type Packet,
} from '@netsynth/core';
import { imageGroupsFor, writeReport, type ReportImageGroup, type ReportInput } from '@netsynth/report';
import { OUT, REPORT_IMAGES_PER_CLASS } from '../paths.js';
import { writeSamplesPcap } from '../pcap-out.js';
import { sampleOfPackets } from '../sample-flow.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';
import { pluginIdentity, shortName } from './common.js';
import { pcapOutput } from './pcap.js';
import { timelineShifts } from '../timeline.js';
import { dpResult, trainingPrivacy } from './dp-metrics.js';
import { artifactKey } from '../artifact-key.js';
import { EncodedKey, EncoderKey, GeneratedKey, IngestKey } from '../artifacts.js';

/** What `RunResult.metrics` holds: the evaluators' results and what each side was (read from metrics.json). */
export interface MetricsFile {
  seed: number;
  /** What each side of the comparison was. */
  real: string;
  synthetic: string;
  evaluators: EvaluationResult[];
}

/**
 * Reads the run's metrics.json (the report package's `netsynth-metrics/1` format: `inputs`
 * says what each side was, every evaluator keeps its metrics, sections and text table).
 */
export async function readMetricsFile(path: string, seed: number): Promise<MetricsFile> {
  const json = JSON.parse(await readFile(path, 'utf8')) as { inputs?: Record<string, string>; evaluators?: EvaluationResult[] };
  return { seed, real: json.inputs?.['real'] ?? '', synthetic: json.inputs?.['synthetic'] ?? '', evaluators: json.evaluators ?? [] };
}

/** The evaluate stage's metrics: provided when it runs, else read back from metrics.json. */
export const MetricsKey = artifactKey<MetricsFile>('metrics', (state) => readMetricsFile(state.out.path(OUT.metrics), state.seed));

/** A decoded record (record encodings) stays with its sample: record evaluators read it rather than its packets. */
function withRecord(sample: LabelledSample, record: NetflowRecord | undefined): LabelledSample {
  if (record) sample.flow.record = record;
  return sample;
}

function shiftPackets(packets: readonly Packet[], shift: bigint): readonly Packet[] {
  return shift === 0n ? packets : packets.map((p) => ({ ...p, timestampNs: p.timestampNs + shift }));
}

/** The generator's saved loss history, when it wrote one (LOSS_HISTORY_FILE in the model folder). */
async function readLossHistory(path: string): Promise<ReportInput['lossHistory']> {
  if (!existsSync(path)) return undefined;
  const json = JSON.parse(await readFile(path, 'utf8')) as { points?: unknown };
  const points = Array.isArray(json.points) ? json.points : [];
  return points.filter((p): p is { step: number; loss: number } => typeof p?.step === 'number' && typeof p?.loss === 'number');
}

/** The two sides of the evaluation, as the README describes them. */
async function evalSides(state: RunState): Promise<{ real: EvalSet; synthetic: EvalSet; realWhat: string; syntheticWhat: string }> {
  const { train, holdout } = await state.get(IngestKey);
  const realSamples = holdout.length > 0 ? holdout : train;
  if (holdout.length === 0) state.progress.warn('input.holdout left no holdout sample: the real side of the evaluation is the training samples');
  const real: EvalSet = { samples: realSamples };
  if (state.plugins.encoder) {
    const encoded = await state.get(EncodedKey);
    const useHoldout = holdout.length > 0;
    const tensors = useHoldout ? encoded.holdout : encoded.train;
    const labels = useHoldout ? encoded.holdoutLabels : encoded.trainLabels;
    real.images = tensors.map((tensor, i): GeneratedSample => ({ tensor, label: labels[i] ?? '' }));
  }
  if (state.plugins.generator) {
    // What the generator was fitted on, for memorisation checks and train-real baselines.
    const encoded = await state.get(EncodedKey);
    real.training = {
      samples: train,
      images: encoded.train.map((tensor, i): GeneratedSample => ({ tensor, label: encoded.trainLabels[i] ?? '' })),
    };
  }
  if (state.config.output.pcap) {
    const rel = `${OUT.evaluation}/real.pcap`;
    await writeSamplesPcap(
      state.out.path(rel),
      realSamples.map((s) => ({ id: s.id, label: s.label, packets: s.flow.packets, problems: [] })),
      state.progress,
      state.signal,
    );
    real.pcapPath = state.out.path(rel);
  }

  let synthetic: EvalSet;
  let syntheticWhat: string;
  if (state.plugins.generator || state.plugins.constraints.length > 0) {
    const final = await state.finalSamples();
    // Trace metrics read absolute times: generated samples sit on synthetic.pcap's timeline (output.timeline).
    const shifts = (await timelineShifts(state, final))?.shifts;
    const samples: LabelledSample[] = final.map((s, i) => withRecord(sampleOfPackets(s.id, s.label, shiftPackets(s.packets, shifts?.[i] ?? 0n)), s.netflow));
    synthetic = { samples };
    if (state.plugins.generator) synthetic.images = await state.get(GeneratedKey);
    const pcap = state.out.path(pcapOutput(state));
    if (state.config.output.pcap && existsSync(pcap)) synthetic.pcapPath = pcap;
    syntheticWhat = state.plugins.generator
      ? `${samples.length} generated samples${state.plugins.constraints.length ? ' after repair' : ''}`
      : `${samples.length} real samples after repair`;
  } else {
    // Nothing generated or repaired: compare the training samples with the holdout (a real-vs-real baseline).
    synthetic = { samples: train };
    if (state.plugins.encoder) {
      const encoded = await state.get(EncodedKey);
      synthetic.images = encoded.train.map((tensor, i) => ({ tensor, label: encoded.trainLabels[i] ?? '' }));
    }
    syntheticWhat = `${train.length} real training samples (no generator or constraints: a real-vs-real baseline)`;
  }
  return { real, synthetic, realWhat: `${realSamples.length} real ${holdout.length > 0 ? 'holdout' : 'training'} samples`, syntheticWhat };
}

/**
 * Real and synthetic renders per class for the report's image grids: the first
 * REPORT_IMAGES_PER_CLASS tensors of each label on each side, drawn by the encoder's render().
 */
async function reportImages(state: RunState, real: EvalSet, synthetic: EvalSet): Promise<ReportImageGroup[] | undefined> {
  if (!state.plugins.encoder || !real.images?.length) return undefined;
  const encoder = await state.get(EncoderKey);
  return imageGroupsFor(real.images, synthetic.images ?? [], (t) => encoder.render(t), REPORT_IMAGES_PER_CLASS);
}

/**
 * Every evaluator on real (holdout) vs synthetic samples → one table per evaluator, then
 * report.html and metrics.json (written by @netsynth/report) in the output folder.
 */
export const evaluateStage: Stage = {
  name: 'evaluate',
  inputs: (state) => ({ evaluators: state.plugins.evaluators.map(pluginIdentity), pcap: state.config.output.pcap, timeline: state.config.output.timeline }),
  outputs: () => [OUT.evaluation, OUT.metrics, OUT.metricsCsv, OUT.report],
  async run(state) {
    const { real, synthetic, realWhat, syntheticWhat } = await evalSides(state);
    const results: EvaluationResult[] = [];
    const outputs: string[] = [OUT.metrics, OUT.metricsCsv, OUT.report];
    for (const [i, use] of state.plugins.evaluators.entries()) {
      state.checkAborted();
      const name = `${i}-${shortName(use.loaded.def.name)}`;
      const dir = `${OUT.evaluation}/${name}`;
      // The plugin's scratch folder (caches such as the FD feature network) lives under work/,
      // which a re-run of this stage keeps; its table goes to evaluation/.
      const ctx = await state.context(use.seed, `${OUT.work}/evaluate/${name}`);
      const task = state.progress.start(`evaluate ${use.loaded.def.name}`);
      const evaluator = await use.loaded.def.create(use.options, ctx);
      const result = await evaluator.evaluate(real, synthetic, ctx);
      task.done();
      results.push(result);
      await writeFileAtomic(state.out.path(`${dir}/table.txt`), `${result.table.trimEnd()}\n`, { force: true });
      outputs.push(dir);
    }
    if (real.pcapPath) outputs.push(`${OUT.evaluation}/real.pcap`);
    const dp = trainingPrivacy(await state.out.readDone('train'));
    if (dp) results.push(dpResult(dp));
    state.checkAborted();
    const images = await reportImages(state, real, synthetic);
    const lossHistory = state.plugins.generator ? await readLossHistory(state.out.path(join(OUT.model, LOSS_HISTORY_FILE))) : undefined;
    const input: ReportInput = {
      title: `netsynth run: ${state.config.name ?? basename(state.loaded.file)}`,
      inputs: { config: basename(state.loaded.file), seed: String(state.seed), real: realWhat, synthetic: syntheticWhat },
      results,
      ...(images && { images }),
      ...(lossHistory && { lossHistory }),
    };
    // The stage's earlier outputs were removed before it ran, so force only replaces its own files.
    const written = await writeReport(state.out.path('.'), input, { force: true, imagesPerClass: REPORT_IMAGES_PER_CLASS });
    const metrics: MetricsFile = { seed: state.seed, real: realWhat, synthetic: syntheticWhat, evaluators: results };
    state.provide(MetricsKey, metrics);
    const count = results.reduce((n, r) => n + r.metrics.length, 0);
    return {
      summary: `${results.length} evaluator(s), ${count} metrics (real: ${realWhat}; synthetic: ${syntheticWhat}) → ${OUT.report}, ${OUT.metrics}`,
      outputs,
      details: { evaluators: results.length, metrics: count, report: basename(written.htmlPath), imageClasses: images?.length ?? 0 },
    };
  },
};
