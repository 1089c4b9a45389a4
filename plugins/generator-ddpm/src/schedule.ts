/**
 * The DDPM generator's two noise schedules, as named configs of `@netsynth/schedulers`
 * (`linear` rescaled to T as in improved DDPM; `cosine` = diffusers' `squaredcos_cap_v2`).
 * The kind is stored in model.json, so these names stay as they are.
 */
import { InvalidArgumentError } from '@netsynth/core';
import { cosineConfig, ddpmLinearConfig, noiseSchedule, type NoiseSchedule } from '@netsynth/schedulers';

export type ScheduleKind = 'linear' | 'cosine';

export interface DdpmSchedule extends NoiseSchedule {
  kind: ScheduleKind;
}

export function makeSchedule(kind: ScheduleKind, timesteps: number): DdpmSchedule {
  if (!Number.isInteger(timesteps) || timesteps < 2) throw new InvalidArgumentError(`timesteps must be an integer ≥ 2, got ${timesteps}`);
  return { kind, ...noiseSchedule(kind === 'linear' ? ddpmLinearConfig(timesteps) : cosineConfig(timesteps)) };
}
