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
