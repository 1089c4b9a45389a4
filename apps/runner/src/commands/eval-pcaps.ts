import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalSet, Evaluator, LabelledSample, ProgressReporter } from '@netsynth/core';
import { writeSamplesPcap } from '../pipeline/pcap-out.js';

/**
 * The two sides of `netsynth eval` with `pcapPath` set to a capture of the samples evaluated
 * (as `netsynth run` hands the real side, evaluation/real.pcap), not the input capture: an
 * evaluator that runs a tool on the capture (validity's tshark) then judges what the others
 * judge, and its memory and time follow the samples kept, not the input's size (tshark over
 * a 1 GB capture held 2 GB). `dispose` removes the temporary folder.
 */
export async function evalSetsWithPcaps(
  sides: { real: readonly LabelledSample[]; synthetic: readonly LabelledSample[] },
  progress: ProgressReporter,
  signal?: AbortSignal,
): Promise<{ real: EvalSet; synthetic: EvalSet; dispose: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-eval-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const sets: EvalSet[] = [];
    for (const [name, samples] of [
      ['real', sides.real],
      ['synthetic', sides.synthetic],
    ] as const) {
      const pcapPath = join(dir, `${name}.pcap`);
      await writeSamplesPcap(
        pcapPath,
        samples.map((s) => ({ id: s.id, label: s.label, packets: s.flow.packets, problems: [] })),
        progress,
        signal,
      );
      sets.push({ samples: [...samples], pcapPath });
    }
    return { real: sets[0]!, synthetic: sets[1]!, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/**
 * The two sides for `evaluators`: with temporary pcaps (evalSetsWithPcaps) only when one of
 * them declares `needsPcap`, so an eval whose evaluators read samples alone writes no capture
 * of either side (time and disk that grow with the samples kept).
 */
export async function evalSetsFor(
  evaluators: readonly Pick<Evaluator, 'needsPcap'>[],
  sides: { real: readonly LabelledSample[]; synthetic: readonly LabelledSample[] },
  progress: ProgressReporter,
  signal?: AbortSignal,
): Promise<{ real: EvalSet; synthetic: EvalSet; dispose: () => void }> {
  if (evaluators.some((e) => e.needsPcap === true)) return evalSetsWithPcaps(sides, progress, signal);
  return { real: { samples: [...sides.real] }, synthetic: { samples: [...sides.synthetic] }, dispose: () => undefined };
}
