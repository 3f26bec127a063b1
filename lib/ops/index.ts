/**
 * Functional kernels (PyTorch semantics, row-major, in place on the caller's Float32Arrays), one
 * file per family: re-exports only. Every function validates its arguments (TypeError/RangeError
 * naming the argument) before any work.
 */
export { matmul, matmulAsync, type MatmulOptions } from './matmul.js';
export {
  linearBackward,
  linearBackwardAsync,
  linearForward,
  linearForwardAsync,
  type LinearBackwardOptions,
  type LinearGradOutputs,
  type LinearOptions,
} from './linear.js';
export * from './activations.js';
export * from './losses.js';
export * from './residual.js';
export {
  batchNorm1d,
  batchNorm1dAsync,
  batchNorm1dBackward,
  batchNorm1dBackwardAsync,
  type BatchNorm1dOptions,
  type BatchNorm1dResult,
  type BatchNorm1dSaved,
  type NormBackwardOptions,
  type NormGrads,
} from './batch-norm.js';
export { layerNorm, layerNormAsync, layerNormBackward, layerNormBackwardAsync, type LayerNormOptions, type LayerNormResult, type LayerNormSaved } from './layer-norm.js';
export {
  lstmBackward,
  lstmBackwardAsync,
  lstmForward,
  lstmForwardAsync,
  lstmWorkspaceSize,
  type LstmBackwardOptions,
  type LstmForwardOptions,
  type LstmForwardResult,
  type LstmGrads,
} from './lstm.js';
export type { RecurrentGrads, RecurrentShape, RecurrentWeights } from './recurrent.js';
export { gruBackward, gruBackwardAsync, gruForward, gruForwardAsync, gruWorkspaceSize, type GruBackwardOptions, type GruForwardOptions } from './gru.js';
export {
  rnnBackward,
  rnnBackwardAsync,
  rnnForward,
  rnnForwardAsync,
  rnnWorkspaceSize,
  type RnnBackwardOptions,
  type RnnForwardOptions,
  type RnnForwardResult,
  type RnnNonlinearity,
} from './rnn.js';
