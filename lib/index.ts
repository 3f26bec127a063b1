// gradguard's public API: re-exports only.
export { GradGuardError, NonFiniteGradientError } from './errors.js';
export { FlatTensors } from './validate/flat-tensors.js';
export { createParamStore, type ParamStore } from './param-store.js';
export { fusedTotalNorm } from './param-store.js';
export type { GradNormSlots } from './validate/grad-norm-slots.js';
export type { TensorsLike } from './validate/index.js';
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
export { WarmupCosineLR, type WarmupCosineLROptions } from './optim/warmup-cosine.js';
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
/**
 * Functional kernels with PyTorch semantics, row-major, in place on your Float32Arrays: matmul
 * (`torch.addmm`), linear forward/backward (weight [out, in]), elementwise activations and their
 * backward passes, losses that return their value and write their gradient, the residual add,
 * Conv1d/Conv2d, max/average/adaptive pooling, dropout, BatchNorm1d/BatchNorm2d/LayerNorm, one-layer
 * RNN/LSTM/GRU forward and backward through time, embedding lookup, softmax/log-softmax and fused
 * scaled dot-product attention (the matmul, linear, convolution, pooling, normalisation, recurrent,
 * embedding, softmax and attention ops also as `…Async`, off the main thread). Every function validates
 * its arguments (TypeError/RangeError naming the argument) before any work.
 */
export * as ops from './ops/index.js';
/**
 * Gradient-health monitoring: {@link GradientMonitor} (exploding and vanishing gradients, loss
 * divergence) and its reports: a self-contained HTML page with a Vega-Lite chart, an SVG, the
 * chart's spec, or a terminal table.
 */
export * as monitor from './monitor/index.js';
export { GradientMonitor } from './monitor/gradient-monitor.js';
/**
 * Layers with an explicit forward and backward (PyTorch `torch.nn` without autograd): Module,
 * Linear, activations, Sequential/Residual, Conv1d/Conv2d, pooling, Dropout, RNN/LSTM/GRU (stacked,
 * bidirectional), Embedding, MultiheadAttention, TransformerEncoderLayer, BatchNorm1d/BatchNorm2d/
 * LayerNorm, losses, state dicts and binary checkpoints.
 */
export * as nn from './nn/index.js';
/**
 * The training loop: {@link Trainer} and {@link fit} (also exported at the top level) with their
 * option, result and callback types.
 */
export * as train from './train/index.js';
export { Trainer, fit, type TrainerOptions, type FitResult, type StepInfo } from './train/index.js';
/**
 * Data-parallel training over MPI (the optional native part; `available()` is false when no MPI is
 * built): init/finalize, rank and size, all-reduce and broadcast (sync and async), the global
 * gradient norm and clipping across ranks, and {@link dist.DataParallel} (PyTorch DDP's scheme).
 */
export * as dist from './dist/index.js';
