/**
 * The ops part of the Backend interface (lib/backend/types.ts extends it): synchronous methods
 * taking argument objects with named kinds (their *Async forms come from one helper, types.ts).
 * Arguments arrive validated: dimensions are integers, buffers are long enough and outputs alias
 * inputs only where allowed.
 */
import type { ActivationKind, RecurrentMode } from './kinds.js';

export interface MatmulShape {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
}

export interface LinearShape {
  batch: number;
  inFeatures: number;
  outFeatures: number;
}

export interface LinearGrads {
  gradX: Float32Array | null;
  gradWeight: Float32Array | null;
  gradBias: Float32Array | null;
}

/**
 * An elementwise activation: `kind` and its two parameters (leakyRelu: negativeSlope; elu: alpha;
 * softplus: beta, threshold; 0 where unused).
 */
export interface ActivationArgs {
  kind: ActivationKind;
  p0: number;
  p1: number;
}

/** BatchNorm1d forward over x [n, c] (lib/ops/batch-norm.ts documents the semantics). */
export interface BatchNormForwardArgs {
  x: Float32Array;
  n: number;
  c: number;
  weight: Float32Array | null;
  bias: Float32Array | null;
  runningMean: Float32Array | null;
  runningVar: Float32Array | null;
  training: boolean;
  momentum: number;
  eps: number;
  y: Float32Array;
  saveMean: Float64Array;
  saveInvstd: Float64Array;
}

/** BatchNorm1d backward; null outputs are skipped. */
export interface BatchNormBackwardArgs {
  gradY: Float32Array;
  x: Float32Array;
  n: number;
  c: number;
  weight: Float32Array | null;
  saveMean: Float64Array;
  saveInvstd: Float64Array;
  training: boolean;
  gradX: Float32Array | null;
  gradWeight: Float32Array | null;
  gradBias: Float32Array | null;
  accumulate: boolean;
}

/** LayerNorm forward over `rows` rows of `size` elements (lib/ops/layer-norm.ts). */
export interface LayerNormForwardArgs {
  x: Float32Array;
  rows: number;
  size: number;
  weight: Float32Array | null;
  bias: Float32Array | null;
  eps: number;
  y: Float32Array;
  saveMean: Float64Array;
  saveInvstd: Float64Array;
}

/** LayerNorm backward; null outputs are skipped. */
export interface LayerNormBackwardArgs {
  gradY: Float32Array;
  x: Float32Array;
  rows: number;
  size: number;
  weight: Float32Array | null;
  saveMean: Float64Array;
  saveInvstd: Float64Array;
  gradX: Float32Array | null;
  gradWeight: Float32Array | null;
  gradBias: Float32Array | null;
  accumulate: boolean;
}

/** T, B, I, H of a recurrent call (PyTorch's names; batch_first = false). */
export interface RecurrentDims {
  seqLen: number;
  batch: number;
  inputSize: number;
  hiddenSize: number;
}

/** What the recurrent forward and backward both take; c0 is null unless the mode is 'lstm'. */
export interface RecurrentCommonArgs {
  mode: RecurrentMode;
  dims: RecurrentDims;
  x: Float32Array;
  h0: Float32Array;
  c0: Float32Array | null;
  weightIh: Float32Array;
  weightHh: Float32Array;
}

/**
 * A recurrent forward through time (lib/backend/js/rnn.ts documents the layouts): G = 1 or 4 gate
 * blocks by mode; cN is null unless the mode is 'lstm'.
 */
export interface RecurrentForwardArgs extends RecurrentCommonArgs {
  biasIh: Float32Array | null;
  biasHh: Float32Array | null;
  output: Float32Array;
  hN: Float32Array;
  cN: Float32Array | null;
  /** recurrentWorkspaceSize(mode, …) floats, read back by the backward. */
  workspace: Float32Array;
}

/** A recurrent backward through time from the forward's workspace; cell-state fields null unless 'lstm'. */
export interface RecurrentBackwardArgs extends RecurrentCommonArgs {
  workspace: Float32Array;
  gradOutput: Float32Array | null;
  gradHN: Float32Array | null;
  gradCN: Float32Array | null;
  gradInput: Float32Array;
  gradH0: Float32Array;
  gradC0: Float32Array | null;
  gradWeightIh: Float32Array;
  gradWeightHh: Float32Array;
  gradBiasIh: Float32Array | null;
  gradBiasHh: Float32Array | null;
  accumulate: boolean;
  /** Per-sample dh_t clipping threshold, float32-rounded; 0 = off. */
  clipHiddenGradNorm: number;
}

/** Embedding lookup (lib/ops/embedding.ts): y[p] = weight[indices[p]]; every index checked in [0, num). */
export interface EmbeddingForwardArgs {
  indices: Int32Array;
  weight: Float32Array;
  y: Float32Array;
  num: number;
  dim: number;
}

/** Embedding backward: gradWeight (+)= scatter-add of gradY rows; row paddingIdx (-1: none) untouched when accumulating, else zero. */
export interface EmbeddingBackwardArgs {
  indices: Int32Array;
  gradY: Float32Array;
  gradWeight: Float32Array;
  num: number;
  dim: number;
  paddingIdx: number;
  accumulate: boolean;
}

/** Softmax (log = false) or log-softmax over the last dimension of x [rows, cols]; y may be x. */
export interface SoftmaxForwardArgs {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  cols: number;
  log: boolean;
}

/** Softmax/log-softmax backward from the forward's output y; gradX may be gradY or y. */
export interface SoftmaxBackwardArgs {
  y: Float32Array;
  gradY: Float32Array;
  gradX: Float32Array;
  rows: number;
  cols: number;
  log: boolean;
}

/** Shape and masking of a scaled dot-product attention call (lib/ops/attention.ts). */
export interface AttentionDims {
  batch: number;
  heads: number;
  lq: number;
  lk: number;
  d: number;
  dv: number;
  causal: boolean;
  /** Additive [lq, lk] mask, or null. */
  mask: Float32Array | null;
  scale: number;
}

/** Shape and masking of a self-attention call on packed projections (lib/ops/self-attention.ts). */
export interface SelfAttentionDims {
  seqLen: number;
  batch: number;
  heads: number;
  headDim: number;
  causal: boolean;
  /** Additive [seqLen, seqLen] mask, or null. */
  mask: Float32Array | null;
  scale: number;
}

/** Self-attention forward: qkv [seqLen, batch, 3·heads·headDim] in; out [seqLen, batch, heads·headDim] and lse [batch, heads, seqLen] written. */
export interface SelfAttentionForwardArgs extends SelfAttentionDims {
  qkv: Float32Array;
  out: Float32Array;
  lse: Float32Array;
}

/** Self-attention backward: gradQkv (qkv's shape) overwritten. */
export interface SelfAttentionBackwardArgs extends SelfAttentionForwardArgs {
  gradOut: Float32Array;
  gradQkv: Float32Array;
}

/** Attention forward: out and the row log-sum-exp lse [batch, heads, lq] are written. */
export interface AttentionForwardArgs extends AttentionDims {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  out: Float32Array;
  lse: Float32Array;
}

/** Attention backward from the forward's out and lse; null gradients are skipped, the others overwritten. */
export interface AttentionBackwardArgs extends AttentionDims {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  out: Float32Array;
  lse: Float32Array;
  gradOut: Float32Array;
  gradQ: Float32Array | null;
  gradK: Float32Array | null;
  gradV: Float32Array | null;
}

/**
 * The geometry of a 2-D pooling over x [batch, channels, height, width] into y [batch, channels,
 * outHeight, outWidth]: window (i, j) covers rows i·sh − ph + a·dh (a < kh) and columns
 * j·sw − pw + b·dw (b < kw); avg and adaptive pooling have dh = dw = 1 (adaptive ignores k/s/p).
 */
export interface Pool2dGeometry {
  batch: number;
  channels: number;
  height: number;
  width: number;
  outHeight: number;
  outWidth: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

/** MaxPool2d forward (lib/ops/pool.ts): y and, unless null, the flat in-plane index each window routes to. */
export interface MaxPool2dForwardArgs {
  x: Float32Array;
  y: Float32Array;
  indices: Int32Array | null;
  g: Pool2dGeometry;
}

/** MaxPool2d backward: gradX zeroed, then gradY summed at the indices (each in [0, height·width)). */
export interface MaxPool2dBackwardArgs {
  gradY: Float32Array;
  indices: Int32Array;
  gradX: Float32Array;
  g: Pool2dGeometry;
}

/** AvgPool2d forward (countIncludePad: the divisor counts the padding) or AdaptiveAvgPool2d (adaptive). */
export interface AvgPool2dForwardArgs {
  x: Float32Array;
  y: Float32Array;
  g: Pool2dGeometry;
  countIncludePad: boolean;
  adaptive: boolean;
}

/** AvgPool2d / AdaptiveAvgPool2d backward: gradX overwritten. */
export interface AvgPool2dBackwardArgs {
  gradY: Float32Array;
  gradX: Float32Array;
  g: Pool2dGeometry;
  countIncludePad: boolean;
  adaptive: boolean;
}

/** BatchNorm2d forward over x [n, c, plane] (plane = H·W; statistics per channel over n·plane). */
export interface BatchNorm2dForwardArgs extends BatchNormForwardArgs {
  plane: number;
}

/** BatchNorm2d backward over [n, c, plane]. */
export interface BatchNorm2dBackwardArgs extends BatchNormBackwardArgs {
  plane: number;
}

/** out[i] = x[i]·scale where mask[⌊i/groupSize⌋] is nonzero, else 0 (dropout and its backward). */
export interface DropoutApplyArgs {
  x: Float32Array;
  mask: Uint8Array;
  groupSize: number;
  /** float32-rounded 1/(1 − p). */
  scale: number;
  out: Float32Array;
}

export interface OpsBackend {
  /** c = alpha·op(a)·op(b) + beta·c, row-major; beta = 0 never reads c. */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, s: MatmulShape): void;
  /** y = x·weightᵀ + bias. */
  linearForward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, s: LinearShape): void;
  /**
   * gradX = gradY·weight, gradWeight (+)= gradYᵀ·x, gradBias (+)= Σ_batch gradY; null outputs are skipped.
   * With sumSquares (length >= 2): [0] = Σ gradWeight², [1] = Σ gradBias² (float64) of the values written, 0 for a skipped output.
   */
  linearBackward(x: Float32Array, weight: Float32Array, gradY: Float32Array, g: LinearGrads, s: LinearShape, accumulate: boolean, sumSquares?: Float64Array | null): void;
  /** y = f(x) elementwise. */
  activationForward(f: ActivationArgs, x: Float32Array, y: Float32Array): void;
  /** gradX = gradY·f'(x) elementwise. */
  activationBackward(f: ActivationArgs, x: Float32Array, gradY: Float32Array, gradX: Float32Array): void;
  mseLoss(input: Float32Array, target: Float32Array, grad: Float32Array | null, mean: boolean): number;
  crossEntropyLoss(logits: Float32Array, labels: Int32Array, grad: Float32Array | null, batch: number, classes: number): number;
  bceWithLogitsLoss(input: Float32Array, target: Float32Array, grad: Float32Array | null): number;
  batchNormForward(a: BatchNormForwardArgs): void;
  batchNormBackward(a: BatchNormBackwardArgs): void;
  layerNormForward(a: LayerNormForwardArgs): void;
  layerNormBackward(a: LayerNormBackwardArgs): void;
  recurrentForward(a: RecurrentForwardArgs): void;
  recurrentBackward(a: RecurrentBackwardArgs): void;
  convForward(a: ConvForwardArgs): void;
  convBackward(a: ConvBackwardArgs): void;
  embeddingForward(a: EmbeddingForwardArgs): void;
  embeddingBackward(a: EmbeddingBackwardArgs): void;
  softmaxForward(a: SoftmaxForwardArgs): void;
  softmaxBackward(a: SoftmaxBackwardArgs): void;
  attentionForward(a: AttentionForwardArgs): void;
  attentionBackward(a: AttentionBackwardArgs): void;
  selfAttentionForward(a: SelfAttentionForwardArgs): void;
  selfAttentionBackward(a: SelfAttentionBackwardArgs): void;
  maxPool2dForward(a: MaxPool2dForwardArgs): void;
  maxPool2dBackward(a: MaxPool2dBackwardArgs): void;
  avgPool2dForward(a: AvgPool2dForwardArgs): void;
  avgPool2dBackward(a: AvgPool2dBackwardArgs): void;
  batchNorm2dForward(a: BatchNorm2dForwardArgs): void;
  batchNorm2dBackward(a: BatchNorm2dBackwardArgs): void;
  dropoutApply(a: DropoutApplyArgs): void;
}

/**
 * The geometry of a 2-D convolution (conv1d is height 1, kernelH 1): NCHW input, weight
 * [outChannels, inChannels/groups, kernelH, kernelW], output [batch, outChannels, outHeight, outWidth].
 * Validated: strides, dilations and groups >= 1, groups divides both channel counts, outHeight and
 * outWidth >= 1 and equal to PyTorch's floor formula.
 */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
  outHeight: number;
  outWidth: number;
}

/** A convolution forward (lib/ops/conv.ts documents the semantics); bias null for none. */
export interface ConvForwardArgs {
  geometry: ConvGeometry;
  x: Float32Array;
  weight: Float32Array;
  bias: Float32Array | null;
  y: Float32Array;
}

/** A convolution backward; null outputs are skipped, gradX is always overwritten. */
export interface ConvBackwardArgs {
  geometry: ConvGeometry;
  x: Float32Array;
  weight: Float32Array;
  gradY: Float32Array;
  gradX: Float32Array | null;
  gradWeight: Float32Array | null;
  gradBias: Float32Array | null;
  accumulate: boolean;
}
