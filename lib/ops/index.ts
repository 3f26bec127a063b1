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
export {
  conv1dBackward,
  conv1dBackwardAsync,
  conv1dForward,
  conv1dForwardAsync,
  conv1dOutputLength,
  conv2dBackward,
  conv2dBackwardAsync,
  conv2dForward,
  conv2dForwardAsync,
  conv2dOutputSize,
  type Conv1dBackwardOptions,
  type Conv1dOptions,
  type Conv2dBackwardOptions,
  type Conv2dOptions,
  type ConvGradOutputs,
  type Pair,
} from './conv.js';
export {
  embeddingBackward,
  embeddingBackwardAsync,
  embeddingForward,
  embeddingForwardAsync,
  type EmbeddingBackwardOptions,
  type EmbeddingOptions,
} from './embedding.js';
export {
  logSoftmax,
  logSoftmaxAsync,
  logSoftmaxBackward,
  logSoftmaxBackwardAsync,
  softmax,
  softmaxAsync,
  softmaxBackward,
  softmaxBackwardAsync,
  type SoftmaxOptions,
} from './softmax.js';
export {
  attentionBackward,
  attentionBackwardAsync,
  attentionForward,
  attentionForwardAsync,
  type AttentionGrads,
  type AttentionOptions,
} from './attention.js';
export {
  selfAttentionBackward,
  selfAttentionBackwardAsync,
  selfAttentionForward,
  selfAttentionForwardAsync,
  type SelfAttentionOptions,
} from './self-attention.js';
export {
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool2dBackwardAsync,
  adaptiveAvgPool2dForward,
  adaptiveAvgPool2dForwardAsync,
  avgPool2dBackward,
  avgPool2dBackwardAsync,
  avgPool2dForward,
  avgPool2dForwardAsync,
  avgPool2dOutputSize,
  maxPool2dBackward,
  maxPool2dBackwardAsync,
  maxPool2dForward,
  maxPool2dForwardAsync,
  maxPool2dOutputSize,
  type AdaptiveAvgPool2dOptions,
  type AvgPool2dOptions,
  type MaxPool2dOptions,
  type Pool2dShape,
} from './pool.js';
export {
  batchNorm2d,
  batchNorm2dAsync,
  batchNorm2dBackward,
  batchNorm2dBackwardAsync,
  type BatchNorm2dOptions,
  type BatchNorm2dResult,
  type BatchNorm2dSaved,
} from './batch-norm.js';
export { dropout, dropoutBackward, type DropoutBackwardOptions, type DropoutOptions } from './dropout.js';
