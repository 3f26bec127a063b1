// gradguard's public API: re-exports only.
export { GradGuardError, NonFiniteGradientError } from './errors.js';
export { FlatTensors } from './flat-tensors.js';
export { createParamStore, type ParamStore } from './param-store.js';
export type { TensorsLike } from './validate.js';
export {
  backendInfo,
  getNumThreads,
  nativeAvailable,
  setIsa,
  setNumThreads,
  supportedIsas,
  useBackend,
  type BackendInfo,
  type BackendName,
} from './backend/index.js';
export { getTotalNorm, getTotalNormAsync } from './grad/total-norm.js';
export {
  clipGradNorm,
  clipGradNormAsync,
  clipGradsWithNorm,
  clipGradsWithNormAsync,
  type ClipGradNormOptions,
} from './grad/clip-grad-norm.js';
export { clipGradValue, clipGradValueAsync } from './grad/clip-grad-value.js';
export { gradStats, gradStatsAsync, type GradStats } from './grad/grad-stats.js';
export { agcClip, type AgcOptions } from './grad/agc.js';
export { AutoClip, type AutoClipOptions, type AutoClipState, type ClipReport } from './grad/autoclip.js';
export { ZClip, type ZClipOptions, type ZClipState } from './grad/zclip.js';
export { Optimizer, type StepOptions, type StepResult } from './optim/optimizer.js';
export type { OptimParams, ParamWithGrad } from './optim/param-list.js';
export { SGD, type SGDOptions, type SGDState } from './optim/sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamState } from './optim/adam.js';
export { clipGradNormAndStep, type ClipAndStepOptions, type ClipAndStepResult } from './optim/clip-and-step.js';
export { l1Penalty, l2Penalty } from './optim/penalties.js';
export {
  CosineAnnealingLR,
  LinearWarmup,
  ReduceLROnPlateau,
  StepLR,
  type ReduceLROnPlateauOptions,
} from './optim/schedulers.js';
export { Rng } from './init/rng.js';
export {
  calculateFans,
  calculateGain,
  kaimingNormal,
  kaimingUniform,
  manualSeed,
  normal,
  orthogonal,
  uniform,
  xavierNormal,
  xavierUniform,
  zeros,
  type KaimingOptions,
  type Nonlinearity,
  type RandomOptions,
} from './init/init.js';
export * as ops from './ops/index.js';
export * as monitor from './monitor/index.js';
export { GradientMonitor } from './monitor/gradient-monitor.js';
export * as nn from './nn/index.js';
export * as train from './train/index.js';
export { Trainer, fit, type TrainerOptions, type FitResult, type StepInfo } from './train/index.js';
export * as dist from './dist/index.js';
