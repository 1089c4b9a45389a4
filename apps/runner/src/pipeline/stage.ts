import type { JsonValue } from '@netsynth/core';
import type { RunState, StageName } from './state.js';

export interface StageResult {
  /** One line for people: what the stage did. */
  summary: string;
  /** Files and folders it wrote, relative to the output folder. */
  outputs: string[];
  details?: JsonValue;
}

/** One step of `netsynth run`. Stages run in order; each may be skipped when already done. */
export interface Stage {
  name: StageName;
  /** What the result depends on besides the previous stage and the stage seed (config slice, plugin versions, input files). */
  inputs(state: RunState): unknown;
  /** Every path the stage may write: removed before it runs again. */
  outputs(state: RunState): string[];
  /** Paths kept when an interrupted stage runs again with the same inputs (a generator's checkpoint). */
  keepOnResume?: string[];
  run(state: RunState): Promise<StageResult>;
}
