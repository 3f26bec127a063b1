// Neural-network ops with explicit forward/backward: re-exports only.
export {
  batchNorm1d,
  batchNorm1dBackward,
  type BatchNorm1dOptions,
  type BatchNorm1dResult,
  type BatchNorm1dSaved,
  type NormBackwardOptions,
  type NormGrads,
} from './batch-norm.js';
export { layerNorm, layerNormBackward, type LayerNormOptions, type LayerNormResult, type LayerNormSaved } from './layer-norm.js';
export {
  lstmBackward,
  lstmForward,
  lstmWorkspaceSize,
  rnnBackward,
  rnnForward,
  rnnWorkspaceSize,
  type LstmBackwardOptions,
  type LstmForwardOptions,
  type LstmForwardResult,
  type LstmGrads,
  type RecurrentGrads,
  type RecurrentShape,
  type RecurrentWeights,
  type RnnBackwardOptions,
  type RnnForwardOptions,
  type RnnForwardResult,
  type RnnNonlinearity,
} from './rnn.js';
