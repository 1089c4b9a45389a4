import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOSS_HISTORY_FILE, writeFileAtomic } from '@netsynth/core';

export interface LossPoint {
  step: number;
  loss: number;
}

/** About this many points per history, whatever the step count: enough for a curve, small on disk. */
const POINTS = 500;

/**
 * The training loss per step (the running mean the progress line shows), recorded every
 * `every` steps and saved as LOSS_HISTORY_FILE in the model folder for the report. A resumed
 * run keeps the points saved before the step it resumes from.
 */
export class LossHistory {
  readonly every: number;
  private points: LossPoint[] = [];

  constructor(
    private readonly modelDir: string,
    totalSteps: number,
  ) {
    this.every = Math.max(1, Math.round(totalSteps / POINTS));
  }

  async resume(fromStep: number): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(join(this.modelDir, LOSS_HISTORY_FILE), 'utf8')) as { points?: LossPoint[] };
      this.points = (saved.points ?? []).filter((p) => p.step < fromStep);
    } catch {
      // No history yet (a fresh run, or a model from before histories were saved).
      this.points = [];
    }
  }

  record(step: number, loss: number | undefined, last: boolean): void {
    if (loss !== undefined && (step % this.every === 0 || last)) this.points.push({ step, loss });
  }

  async save(): Promise<void> {
    await writeFileAtomic(join(this.modelDir, LOSS_HISTORY_FILE), `${JSON.stringify({ format: 'netsynth-loss-history/1', points: this.points })}\n`, {
      force: true,
    });
  }
}
