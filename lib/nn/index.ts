// gradguard.nn: modules with explicit forward/backward, losses, state dicts and checkpoints. Re-exports only.
export { tensor, numel, type Tensor } from './tensor.js';
export { Parameter } from './parameter.js';
export { Module, type StateDictOptions } from './module.js';
export { StateDictError, type StateDict, type StateTensor } from './state-dict.js';
export type { InitOptions } from './init-options.js';
export { Linear, type LinearOptions } from './linear.js';
export { ELU, GELU, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh } from './activation.js';
export { Residual, Sequential } from './containers.js';
export { LastTimeStep } from './last-step.js';
export { Flatten } from './flatten.js';
export { GRU, LSTM, RNN, type RecurrentOptions, type RecurrentState, type RecurrentStateGrad, type RNNOptions } from './recurrent.js';
export { BatchNorm1d, LayerNorm, type BatchNorm1dOptions, type LayerNormOptions } from './normalization.js';
export { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, type Loss } from './loss.js';
export { loadCheckpoint, readCheckpoint, saveCheckpoint, type LoadedCheckpoint, type SaveCheckpointOptions, type StatefulOptimizer } from './checkpoint.js';
