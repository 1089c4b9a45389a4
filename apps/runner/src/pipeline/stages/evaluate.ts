import { existsSync } from 'node:fs';
import { writeFileAtomic, type EvalSet, type EvaluationResult, type GeneratedSample, type LabelledSample } from '@netsynth/core';
import { toJson } from '../../json.js';
import { OUT } from '../paths.js';
import { writeSamplesPcap } from '../pcap-out.js';
import { sampleOfPackets } from '../sample-flow.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';
import { pluginIdentity, shortName } from './common.js';
import { pcapOutput } from './pcap.js';

export interface MetricsFile {
  seed: number;
  /** What each side of the comparison was. */
  real: string;
  synthetic: string;
  evaluators: EvaluationResult[];
}

/** The two sides of the evaluation, as the README describes them. */
async function evalSides(state: RunState): Promise<{ real: EvalSet; synthetic: EvalSet; realWhat: string; syntheticWhat: string }> {
  const { train, holdout } = await state.ingest();
  const realSamples = holdout.length > 0 ? holdout : train;
  if (holdout.length === 0) state.progress.warn('input.holdout left no holdout sample: the real side of the evaluation is the training samples');
  const real: EvalSet = { samples: realSamples };
  if (state.plugins.encoder) {
    const encoded = await state.encoded();
    const useHoldout = holdout.length > 0;
    const tensors = useHoldout ? encoded.holdout : encoded.train;
    const labels = useHoldout ? encoded.holdoutLabels : encoded.trainLabels;
    real.images = tensors.map((tensor, i): GeneratedSample => ({ tensor, label: labels[i] ?? '' }));
  }
  if (state.plugins.generator) {
    // What the generator was fitted on, for memorisation checks and train-real baselines.
    const encoded = await state.encoded();
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
    const samples: LabelledSample[] = final.map((s) => sampleOfPackets(s.id, s.label, s.packets));
    synthetic = { samples };
    if (state.plugins.generator) synthetic.images = await state.generated();
    const pcap = state.out.path(pcapOutput(state));
    if (state.config.output.pcap && existsSync(pcap)) synthetic.pcapPath = pcap;
    syntheticWhat = state.plugins.generator
      ? `${samples.length} generated samples${state.plugins.constraints.length ? ' after repair' : ''}`
      : `${samples.length} real samples after repair`;
  } else {
    // Nothing generated or repaired: compare the training samples with the holdout (a real-vs-real baseline).
    synthetic = { samples: train };
    if (state.plugins.encoder) {
      const encoded = await state.encoded();
      synthetic.images = encoded.train.map((tensor, i) => ({ tensor, label: encoded.trainLabels[i] ?? '' }));
    }
    syntheticWhat = `${train.length} real training samples (no generator or constraints: a real-vs-real baseline)`;
  }
  return { real, synthetic, realWhat: `${realSamples.length} real ${holdout.length > 0 ? 'holdout' : 'training'} samples`, syntheticWhat };
}

/** Every evaluator on real (holdout) vs synthetic samples → metrics.json and one table per evaluator. */
export const evaluateStage: Stage = {
  name: 'evaluate',
  inputs: (state) => ({ evaluators: state.plugins.evaluators.map(pluginIdentity), pcap: state.config.output.pcap }),
  outputs: () => [OUT.evaluation, OUT.metrics],
  async run(state) {
    const { real, synthetic, realWhat, syntheticWhat } = await evalSides(state);
    const results: EvaluationResult[] = [];
    const outputs: string[] = [OUT.metrics];
    for (const [i, use] of state.plugins.evaluators.entries()) {
      state.checkAborted();
      const dir = `${OUT.evaluation}/${i}-${shortName(use.loaded.def.name)}`;
      const ctx = await state.context(use.seed, dir);
      const evaluator = await use.loaded.def.create(use.options, ctx);
      const result = await evaluator.evaluate(real, synthetic, ctx);
      results.push(result);
      await writeFileAtomic(state.out.path(`${dir}/table.txt`), `${result.table.trimEnd()}\n`, { force: true });
      outputs.push(dir);
    }
    if (real.pcapPath) outputs.push(`${OUT.evaluation}/real.pcap`);
    const metrics: MetricsFile = { seed: state.seed, real: realWhat, synthetic: syntheticWhat, evaluators: results };
    await writeFileAtomic(state.out.path(OUT.metrics), toJson(metrics), { force: true });
    state.provide('metrics', metrics);
    const count = results.reduce((n, r) => n + r.metrics.length, 0);
    return {
      summary: `${results.length} evaluator(s), ${count} metrics (real: ${realWhat}; synthetic: ${syntheticWhat}) → ${OUT.metrics}`,
      outputs,
      details: { evaluators: results.length, metrics: count },
    };
  },
};
