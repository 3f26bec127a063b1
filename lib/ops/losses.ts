/** Losses that return their value (float64 accumulation) and write their gradient: MSE, cross-entropy, BCE with logits. */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import { checkDim, checkDisjointPair, checkOptions, optionKeys, exactly, f32, optionalF32 } from '../validate/index.js';

function lossGrad(gradInput: unknown, input: Float32Array, target: Float32Array | Int32Array): Float32Array | null {
  const G = optionalF32('gradInput', gradInput);
  if (!G) return null;
  exactly('gradInput', G, input.length, 'input.length');
  checkDisjointPair('gradInput', G, 'input', input, true);
  checkDisjointPair('gradInput', G, 'target', target);
  return G;
}

/** Options of {@link mseLoss}. */
export interface MseOptions {
  /** 'mean' divides the sum by the element count N; 'sum' does not. Default 'mean'. */
  reduction?: 'mean' | 'sum';
}

const MSE_KEYS = optionKeys<MseOptions>()(['reduction']);

/**
 * `F.mse_loss`: returns Σ(x − t)² (÷N for reduction 'mean', the default; NaN for an empty mean, as
 * PyTorch) accumulated in float64; writes the gradient 2(x − t) (÷N) into gradInput if given (it may
 * be input itself).
 * @param input the prediction x, any length N.
 * @param target t, N elements.
 * @param gradInput receives ∂loss/∂input, N elements; may be `input` itself. Omit or null to skip.
 * @param options `reduction` (default 'mean').
 * @returns the loss.
 * @throws {TypeError} input/target/gradInput not Float32Array.
 * @throws {RangeError} length mismatch, gradInput overlapping target (or partly overlapping input),
 *   an unknown reduction.
 */
export function mseLoss(input: Float32Array, target: Float32Array, gradInput?: Float32Array | null, options?: MseOptions): number {
  const X = f32('input', input);
  const T = f32('target', target);
  exactly('target', T, X.length, 'input.length');
  const o = checkOptions('ops.mseLoss: options', options, MSE_KEYS);
  const r = o.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum') invalidArg('options.reduction', '"mean" or "sum"', r, typeof r === 'string' ? 'range' : 'type');
  return getBackend().mseLoss(X, T, lossGrad(gradInput, X, T), r === 'mean');
}

/** Options of {@link crossEntropyLoss}. */
export interface CrossEntropyOptions {
  /** Classes per row; default logits.length / labels.length. */
  numClasses?: number;
}

const CROSS_ENTROPY_KEYS = optionKeys<CrossEntropyOptions>()(['numClasses']);

/**
 * F.cross_entropy with int32 class labels, mean over the batch: logits [batch, classes], labels [batch].
 * Returns the loss; writes (softmax − onehot)/batch into gradInput if given. A label outside
 * [0, classes) is a RangeError (nothing is written).
 * @param logits [batch, classes] row-major, unnormalised scores.
 * @param labels [batch] class indices.
 * @param gradInput receives ∂loss/∂logits, [batch, classes]; may be `logits` itself. Omit or null to skip.
 * @param options `numClasses` (inferred from the lengths by default; required for an empty batch).
 * @returns the mean loss.
 * @throws {TypeError} logits or gradInput not a Float32Array, labels not an Int32Array, or an empty
 *   batch without numClasses.
 * @throws {RangeError} lengths that do not match, a label out of range, or gradInput overlapping
 *   labels (or partly overlapping logits).
 */
export function crossEntropyLoss(logits: Float32Array, labels: Int32Array, gradInput?: Float32Array | null, options?: CrossEntropyOptions): number {
  const X = f32('logits', logits);
  if (!(labels instanceof Int32Array)) invalidArg('labels', 'an Int32Array of class indices', labels);
  const batch = labels.length;
  const o = checkOptions('ops.crossEntropyLoss: options', options, CROSS_ENTROPY_KEYS);
  let classes: number;
  if (o.numClasses !== undefined) classes = checkDim('options.numClasses', o.numClasses);
  else {
    if (batch === 0) invalidArg('options.numClasses', 'a number of classes (it cannot be inferred from an empty batch)', o.numClasses);
    classes = X.length / batch;
    if (!Number.isInteger(classes)) invalidArg('logits', `a multiple of labels.length (${batch}) elements`, X, 'range');
  }
  exactly('logits', X, batch * classes, 'labels.length·numClasses');
  for (let b = 0; b < batch; b++) {
    const t = labels[b];
    if (t < 0 || t >= classes) invalidArg(`labels[${b}]`, `a class index in [0, ${classes})`, t, 'range');
  }
  const G = optionalF32('gradInput', gradInput);
  if (G) {
    exactly('gradInput', G, X.length, 'logits.length');
    checkDisjointPair('gradInput', G, 'logits', X, true);
    checkDisjointPair('gradInput', G, 'labels', labels);
  }
  return getBackend().crossEntropyLoss(X, labels, G, batch, classes);
}

/**
 * `F.binary_cross_entropy_with_logits` (mean): mean of max(x, 0) − x·t + log(1 + e^−|x|), stable for
 * any logits; writes the gradient (σ(x) − t)/N into gradInput if given (it may be input itself).
 * @param input logits x, any length N.
 * @param target t, N elements (probabilities, usually 0 or 1).
 * @param gradInput receives ∂loss/∂input, N elements; may be `input` itself. Omit or null to skip.
 * @returns the mean loss.
 * @throws {TypeError} a non-Float32Array.
 * @throws {RangeError} a length mismatch or overlap.
 */
export function bceWithLogitsLoss(input: Float32Array, target: Float32Array, gradInput?: Float32Array | null): number {
  const X = f32('input', input);
  const T = f32('target', target);
  exactly('target', T, X.length, 'input.length');
  return getBackend().bceWithLogitsLoss(X, T, lossGrad(gradInput, X, T));
}
