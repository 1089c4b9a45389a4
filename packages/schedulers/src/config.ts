/**
 * Scheduler configs with diffusers' field names (`scheduler_config.json`), and the named
 * presets the generators start from. Reading a diffusers file keeps only the fields that
 * change the arithmetic; others (`_class_name`, `clip_sample`, …) are ignored.
 */
import { InvalidArgumentError } from '@netsynth/core';

export const BETA_SCHEDULES = ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const;
export type BetaSchedule = (typeof BETA_SCHEDULES)[number];

export const PREDICTION_TYPES = ['epsilon', 'v_prediction'] as const;
export type PredictionType = (typeof PREDICTION_TYPES)[number];

export const TIMESTEP_SPACINGS = ['leading', 'linspace', 'trailing'] as const;
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];

export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  steps_offset: number;
  set_alpha_to_one: boolean;
  timestep_spacing: TimestepSpacing;
  prediction_type: PredictionType;
}

/** Stable Diffusion 1.x (`runwayml/stable-diffusion-v1-5/scheduler`). */
export const SD15_SCHEDULER: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 1,
  set_alpha_to_one: false,
  timestep_spacing: 'leading',
  prediction_type: 'epsilon',
};

/**
 * DDPM (Ho et al.) with T train steps: linear β 1e-4 → 0.02 rescaled by 1000/T so the total
 * noise stays comparable for other T (the rescaling is improved-DDPM's, not in diffusers).
 */
export function ddpmLinearConfig(timesteps: number, prediction: PredictionType = 'epsilon'): SchedulerConfig {
  const scale = 1000 / timesteps;
  return {
    num_train_timesteps: timesteps,
    beta_start: scale * 1e-4,
    beta_end: Math.min(scale * 0.02, 0.999),
    beta_schedule: 'linear',
    steps_offset: 0,
    set_alpha_to_one: true,
    timestep_spacing: 'linspace',
    prediction_type: prediction,
  };
}

/** Nichol & Dhariwal's cosine schedule (diffusers' `squaredcos_cap_v2`); beta_start/end unused. */
export function cosineConfig(timesteps: number, prediction: PredictionType = 'epsilon'): SchedulerConfig {
  return { ...ddpmLinearConfig(timesteps, prediction), beta_schedule: 'squaredcos_cap_v2' };
}

/** Configs by name (what a config file or a test names instead of spelling every field). */
export const SCHEDULER_CONFIGS = {
  sd15: (): SchedulerConfig => ({ ...SD15_SCHEDULER }),
  'ddpm-linear': (timesteps = 1000): SchedulerConfig => ddpmLinearConfig(timesteps),
  'ddpm-cosine': (timesteps = 1000): SchedulerConfig => cosineConfig(timesteps),
} as const;
export type SchedulerConfigName = keyof typeof SCHEDULER_CONFIGS;

export function schedulerConfigByName(name: string, timesteps?: number): SchedulerConfig {
  const make = (SCHEDULER_CONFIGS as Record<string, ((t?: number) => SchedulerConfig) | undefined>)[name];
  if (!make) throw new InvalidArgumentError(`unknown scheduler config "${name}" (${Object.keys(SCHEDULER_CONFIGS).join(', ')})`);
  return make(timesteps);
}

/** Reads the fields that matter from a diffusers scheduler_config.json object (others ignored). */
export function schedulerConfigFrom(json: Record<string, unknown>): SchedulerConfig {
  const num = (k: string, d: number): number => (typeof json[k] === 'number' ? (json[k] as number) : d);
  const str = <T extends string>(k: string, allowed: readonly T[], d: T): T => {
    const v = json[k];
    if (v === undefined || v === null) return d;
    if (typeof v !== 'string' || !allowed.includes(v as T))
      throw new InvalidArgumentError(`scheduler_config.json: ${k} "${String(v)}" is not supported (${allowed.join(', ')})`);
    return v as T;
  };
  return {
    num_train_timesteps: num('num_train_timesteps', 1000),
    beta_start: num('beta_start', 0.00085),
    beta_end: num('beta_end', 0.012),
    beta_schedule: str('beta_schedule', BETA_SCHEDULES, 'scaled_linear'),
    steps_offset: num('steps_offset', 0),
    set_alpha_to_one: json.set_alpha_to_one === true,
    timestep_spacing: str('timestep_spacing', TIMESTEP_SPACINGS, 'leading'),
    prediction_type: str('prediction_type', PREDICTION_TYPES, 'epsilon'),
  };
}
