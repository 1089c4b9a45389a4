/**
 * @netsynth/schedulers: diffusion noise schedulers with diffusers' semantics, shared by the
 * DDPM and Stable Diffusion generators (one implementation, one vocabulary of names).
 */
export {
  BETA_SCHEDULES,
  PREDICTION_TYPES,
  SCHEDULER_CONFIGS,
  SD15_SCHEDULER,
  TIMESTEP_SPACINGS,
  cosineConfig,
  ddpmLinearConfig,
  schedulerConfigByName,
  schedulerConfigFrom,
  type BetaSchedule,
  type PredictionType,
  type SchedulerConfig,
  type SchedulerConfigName,
  type TimestepSpacing,
} from './config.js';
export { alphasCumprod, betasFor, cumprod } from './betas.js';
export { endpointTimesteps, logSnrTimesteps, roundHalfEven, spacedTimesteps } from './timesteps.js';
export { SCHEDULER_ALIASES, SCHEDULER_NAMES, resolveSchedulerName, type SchedulerAlias, type SchedulerName } from './names.js';
export { alphaCumprodAt, createScheduler, type Scheduler, type SchedulerKind, type SchedulerOptions } from './scheduler.js';
export {
  DISCRETE_SCHEDULERS,
  alphaBar,
  discreteTimesteps,
  noiseSchedule,
  predictX0Eps,
  sampleLoop,
  type DenoiseFn,
  type DiscreteSchedulerName,
  type NoiseSchedule,
  type Prediction,
  type SampleLoopOptions,
} from './discrete.js';
