// gradguard.train: the training loop. Re-exports only.
export {
  fit,
  NonFiniteLossError,
  Trainer,
  type Batch,
  type BatchSource,
  type EpochInfo,
  type FitOptions,
  type FitResult,
  type SchedulerLike,
  type StepInfo,
  type TrainerOptions,
} from './trainer.js';
export type { GradientPolicy } from './policy.js';
export type { ProgressMode, ProgressStream } from './progress.js';
