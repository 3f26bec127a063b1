/**
 * One-layer, unidirectional RNN (tanh/relu) and LSTM with explicit forward and backward through
 * time, PyTorch 1.13 torch.nn.RNN / torch.nn.LSTM semantics and layouts (batch_first = false):
 * input [seqLen, batch, inputSize], weightIh [G·H, inputSize], weightHh [G·H, H], biasIh/biasHh
 * [G·H] (optional), h0/c0/hN/cN [1, batch, H], output [seqLen, batch, H]; G = 1 (RNN) or 4 (LSTM,
 * gate row blocks i, f, g, o).
 * RNN: h_t = act(x_t·Wihᵀ + bih + h_{t−1}·Whhᵀ + bhh).
 * LSTM: i, f, o = σ(·), g = tanh(·) of those blocks; c_t = f·c_{t−1} + i·g; h_t = o·tanh(c_t).
 * The forward fills a caller-visible workspace (see rnnWorkspaceSize / lstmWorkspaceSize) that the
 * backward reads; keep it unchanged in between.
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { Backend } from '../backend/types.js';
import { checkBoolean, checkDim, checkDisjoint, checkFloat32Threshold, checkLength, checkOptions, optLength, runAsync, type AsyncArg, type Named } from '../validate/index.js';

/**
 * Dimensions of an RNN/LSTM call (PyTorch's names; batch_first = false): input is
 * [seqLen, batch, inputSize], states are [1, batch, hiddenSize], output is [seqLen, batch, hiddenSize].
 */
export interface RecurrentShape {
  /** Time steps T (>= 1; PyTorch refuses an empty sequence too). */
  seqLen: number;
  /** Sequences per batch B (>= 0). */
  batch: number;
  /** Features per input step (>= 1). */
  inputSize: number;
  /** Hidden units H (>= 1). */
  hiddenSize: number;
}

/**
 * One layer's weights in PyTorch's layout, G = 1 (RNN) or 4 (LSTM, gate row blocks i, f, g, o):
 * `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`.
 */
export interface RecurrentWeights {
  /** Input-to-hidden weights [G·H, inputSize]. */
  weightIh: Float32Array;
  /** Hidden-to-hidden weights [G·H, H]. */
  weightHh: Float32Array;
  /** Input-to-hidden bias [G·H], or absent/null for none. */
  biasIh?: Float32Array | null;
  /** Hidden-to-hidden bias [G·H], or absent/null for none. */
  biasHh?: Float32Array | null;
}

/** The RNN's activation (PyTorch `nonlinearity`). */
export type RnnNonlinearity = 'tanh' | 'relu';

/**
 * Float32 elements of an RNN workspace: the hidden states, seqLen·batch·hiddenSize.
 * @param seqLen T, >= 1.
 * @param batch B, >= 0.
 * @param hiddenSize H, >= 1.
 * @throws {TypeError|RangeError} a dimension that is not an integer in range.
 */
export function rnnWorkspaceSize(seqLen: number, batch: number, hiddenSize: number): number {
  return checkDim('seqLen', seqLen, 1) * checkDim('batch', batch) * checkDim('hiddenSize', hiddenSize, 1);
}

/**
 * Float32 elements of an LSTM workspace: 6·seqLen·batch·hiddenSize (activated gates [T, B, 4H],
 * cell states [T, B, H], hidden states [T, B, H]).
 * @param seqLen T, >= 1.
 * @param batch B, >= 0.
 * @param hiddenSize H, >= 1.
 * @throws {TypeError|RangeError} a dimension that is not an integer in range.
 */
export function lstmWorkspaceSize(seqLen: number, batch: number, hiddenSize: number): number {
  return 6 * rnnWorkspaceSize(seqLen, batch, hiddenSize);
}

function checkShape(shape: unknown): RecurrentShape {
  if (shape === null || typeof shape !== 'object') invalidArg('shape', 'an object { seqLen, batch, inputSize, hiddenSize }', shape);
  const s = shape as Record<string, unknown>;
  return {
    // PyTorch refuses an empty sequence ("Expected sequence length to be larger than 0 in RNN"); so do
    // we, rather than hand back h0 as if a step had run.
    seqLen: checkDim('shape.seqLen', s.seqLen, 1),
    batch: checkDim('shape.batch', s.batch),
    inputSize: checkDim('shape.inputSize', s.inputSize, 1),
    hiddenSize: checkDim('shape.hiddenSize', s.hiddenSize, 1),
  };
}

interface Checked {
  s: RecurrentShape;
  wIh: Float32Array;
  wHh: Float32Array;
  bIh: Float32Array | null;
  bHh: Float32Array | null;
}

function checkCommon(input: unknown, weights: unknown, shape: unknown, gates: number): Checked {
  const s = checkShape(shape);
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = s;
  checkLength('input', input, T * B * I);
  if (weights === null || typeof weights !== 'object') invalidArg('weights', 'an object { weightIh, weightHh, biasIh?, biasHh? }', weights);
  const w = weights as Record<string, unknown>;
  return {
    s,
    wIh: checkLength('weights.weightIh', w.weightIh, gates * H * I),
    wHh: checkLength('weights.weightHh', w.weightHh, gates * H * H),
    bIh: optLength('weights.biasIh', w.biasIh, gates * H),
    bHh: optLength('weights.biasHh', w.biasHh, gates * H),
  };
}

function weightList(input: Float32Array, c: Checked): Named[] {
  return [
    ['input', input],
    ['weights.weightIh', c.wIh],
    ['weights.weightHh', c.wHh],
    ['weights.biasIh', c.bIh],
    ['weights.biasHh', c.bHh],
  ];
}

function gradList(g: RecurrentGrads, gradC0: Float32Array | null): Named[] {
  return [
    ['options.grads.gradInput', g.gradInput],
    ['options.grads.gradH0', g.gradH0],
    ['options.grads.gradC0', gradC0],
    ['options.grads.gradWeightIh', g.gradWeightIh],
    ['options.grads.gradWeightHh', g.gradWeightHh],
    ['options.grads.gradBiasIh', g.gradBiasIh],
    ['options.grads.gradBiasHh', g.gradBiasHh],
  ];
}

type ForwardArgs = Parameters<Backend['recurrentForward']>;
type BackwardArgs = Parameters<Backend['recurrentBackward']>;

function stateOr(name: string, v: unknown, len: number): Float32Array {
  return v === undefined || v === null ? new Float32Array(len) : checkLength(name, v, len);
}

function outOr(name: string, v: unknown, len: number): Float32Array {
  return v === undefined ? new Float32Array(len) : checkLength(name, v, len);
}

function nonlinearityMode(v: unknown): number {
  if (v === undefined || v === 'tanh') return 0;
  if (v === 'relu') return 1;
  return invalidArg('options.nonlinearity', '"tanh" or "relu"', v, typeof v === 'string' ? 'range' : 'type');
}

/** Options of {@link rnnForward}: the activation, the initial state and output buffers. */
export interface RnnForwardOptions {
  /** Default 'tanh'. */
  nonlinearity?: RnnNonlinearity;
  /** Initial hidden state [1, batch, H]; zeros when absent. */
  h0?: Float32Array | null;
  /** Output buffer [seqLen, batch, H] (every step's hidden state); allocated when absent. */
  output?: Float32Array;
  /** Final hidden state buffer [1, batch, H]; allocated when absent. */
  hN?: Float32Array;
  /** rnnWorkspaceSize(...) floats; allocated when absent. */
  workspace?: Float32Array;
}

/** What {@link rnnForward} wrote (the option buffers when given). */
export interface RnnForwardResult {
  /** Every step's hidden state [seqLen, batch, H]. */
  output: Float32Array;
  /** The last hidden state [1, batch, H]. */
  hN: Float32Array;
  /** What the backward needs; keep it unchanged until then. */
  workspace: Float32Array;
}

/**
 * RNN forward (torch.nn.RNN, one layer, unidirectional, batch_first = false):
 * h_t = act(x_t·Wihᵀ + bih + h_{t−1}·Whhᵀ + bhh).
 * @param input [seqLen, batch, inputSize].
 * @param weights weightIh [H, inputSize], weightHh [H, H], optional biases [H].
 * @param shape the dimensions.
 * @param options activation (default 'tanh'), h0, and output buffers (disjoint from the inputs).
 * @returns output, hN and the workspace for {@link rnnBackward}.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function rnnForward(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: RnnForwardOptions): RnnForwardResult {
  const [args, result] = rnnForwardCall(input, weights, shape, options);
  getBackend().recurrentForward(...args);
  return result;
}

/**
 * {@link rnnForward} off the main thread (native: a worker thread; pure-TS: a later microtask).
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param input as {@link rnnForward}.
 * @param weights as {@link rnnForward}.
 * @param shape as {@link rnnForward}.
 * @param options as {@link rnnForward}.
 * @returns a Promise of what {@link rnnForward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link rnnForward}, or a resizable buffer.
 */
export async function rnnForwardAsync(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: RnnForwardOptions): Promise<RnnForwardResult> {
  const [args, result, arrays] = rnnForwardCall(input, weights, shape, options);
  await runAsync(arrays, () => getBackend().recurrentForwardAsync(...args));
  return result;
}

function rnnForwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: RnnForwardOptions): [ForwardArgs, RnnForwardResult, AsyncArg[]] {
  const c = checkCommon(input, weights, shape, 1);
  const o = checkOptions('options', options) as RnnForwardOptions;
  const mode = nonlinearityMode(o.nonlinearity);
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = c.s;
  const h0 = stateOr('options.h0', o.h0, B * H);
  const output = outOr('options.output', o.output, T * B * H);
  const hN = outOr('options.hN', o.hN, B * H);
  const workspace = outOr('options.workspace', o.workspace, rnnWorkspaceSize(T, B, H));
  const arrays = checkDisjoint([['options.output', output], ['options.hN', hN], ['options.workspace', workspace]], [...weightList(input, c), ['options.h0', h0]]);
  return [[mode, T, B, I, H, input, h0, null, c.wIh, c.wHh, c.bIh, c.bHh, output, hN, null, workspace], { output, hN, workspace }, arrays];
}

/** Gradients from {@link rnnBackward} (the `options.grads` buffers when given, else new ones). */
export interface RecurrentGrads {
  /** ∂L/∂input [seqLen, batch, inputSize] (overwritten). */
  gradInput: Float32Array;
  /** ∂L/∂h0 [1, batch, H] (overwritten). */
  gradH0: Float32Array;
  /** ∂L/∂weightIh [G·H, inputSize]. */
  gradWeightIh: Float32Array;
  /** ∂L/∂weightHh [G·H, H]. */
  gradWeightHh: Float32Array;
  /**
   * ∂L/∂biasIh [G·H]. Null when the weights have no biasIh; passing one in `options.grads` then is
   * a TypeError (there is no bias to differentiate).
   */
  gradBiasIh: Float32Array | null;
  /** ∂L/∂biasHh [G·H], or null without biasHh (as gradBiasIh). */
  gradBiasHh: Float32Array | null;
}

/** Options of {@link rnnBackward}: the forward's settings, upstream gradients and output buffers. */
export interface RnnBackwardOptions {
  /** The forward's activation. Default 'tanh'. */
  nonlinearity?: RnnNonlinearity;
  /** The h0 given to the forward (zeros when absent). */
  h0?: Float32Array | null;
  /** Upstream gradient ∂L/∂output [seqLen, batch, H]; absent means zero. */
  gradOutput?: Float32Array | null;
  /** Upstream gradient ∂L/∂hN [1, batch, H]; absent means zero. */
  gradHN?: Float32Array | null;
  /** Output arrays, each allocated when absent; all disjoint from each other and from the inputs. */
  grads?: Partial<RecurrentGrads>;
  /** Add into the weight/bias gradients instead of overwriting them (default false). */
  accumulate?: boolean;
  /**
   * Per-step hidden-state gradient clipping inside BPTT (off by default; 0 = off). At every step t,
   * each sample's gradient w.r.t. its hidden state, dh_t[b] = (what flows back from step t+1) +
   * gradOutput[t, b], is scaled by min(1, clipHiddenGradNorm / (‖dh_t[b]‖₂ + 1e-6)) before it
   * reaches the gates (clipGradNorm's factor). Per sample rather than over the whole [B, H] step so
   * one exploding sequence does not shrink the gradients of the others in the batch, and results do
   * not depend on how a batch is composed. The cell-state path (LSTM dc) is not clipped: it is the
   * path the gates already regulate. A row with an infinite norm gets factor 0, as in clipGradNorm.
   * The threshold is rounded to float32 (the native kernels' type) on every backend, so a positive
   * value that is 0 or Infinity in float32 (below about 1.4e-45, above about 3.4e38) is a RangeError.
   */
  clipHiddenGradNorm?: number;
}

function gradsOut(o: { grads?: Partial<RecurrentGrads> }, c: Checked, gates: number): RecurrentGrads {
  const g = (o.grads === undefined ? {} : checkOptions('options.grads', o.grads)) as Partial<RecurrentGrads>;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = c.s;
  const GH = gates * H;
  return {
    gradInput: outOr('options.grads.gradInput', g.gradInput, T * B * I),
    gradH0: outOr('options.grads.gradH0', g.gradH0, B * H),
    gradWeightIh: outOr('options.grads.gradWeightIh', g.gradWeightIh, GH * I),
    gradWeightHh: outOr('options.grads.gradWeightHh', g.gradWeightHh, GH * H),
    gradBiasIh: biasGrad('options.grads.gradBiasIh', g.gradBiasIh, c.bIh !== null, 'weights.biasIh', GH),
    gradBiasHh: biasGrad('options.grads.gradBiasHh', g.gradBiasHh, c.bHh !== null, 'weights.biasHh', GH),
  };
}

// A bias gradient only exists for a bias; one supplied without it would silently stay untouched.
function biasGrad(name: string, v: unknown, hasBias: boolean, biasName: string, len: number): Float32Array | null {
  if (hasBias) return outOr(name, v ?? undefined, len);
  if (v !== undefined && v !== null) invalidArg(name, `null or absent (${biasName} is null: there is no bias gradient)`, v);
  return null;
}

/**
 * RNN backward through time for L = Σ output·gradOutput + Σ hN·gradHN, from the forward's workspace
 * (the gradients autograd gives for torch.nn.RNN).
 * @param input the forward's input [seqLen, batch, inputSize].
 * @param weights the forward's weights.
 * @param shape the forward's shape.
 * @param workspace the forward's workspace, unchanged since.
 * @param options the forward's nonlinearity and h0, upstream gradients, output buffers,
 *   `accumulate` and `clipHiddenGradNorm`.
 * @returns the gradients.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function rnnBackward(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: RnnBackwardOptions): RecurrentGrads {
  const [args, result] = rnnBackwardCall(input, weights, shape, workspace, options);
  getBackend().recurrentBackward(...args);
  return result;
}

/**
 * {@link rnnBackward} off the main thread.
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param input as {@link rnnBackward}.
 * @param weights as {@link rnnBackward}.
 * @param shape as {@link rnnBackward}.
 * @param workspace as {@link rnnBackward}.
 * @param options as {@link rnnBackward}.
 * @returns a Promise of what {@link rnnBackward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link rnnBackward}, or a resizable buffer.
 */
export async function rnnBackwardAsync(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: RnnBackwardOptions): Promise<RecurrentGrads> {
  const [args, result, arrays] = rnnBackwardCall(input, weights, shape, workspace, options);
  await runAsync(arrays, () => getBackend().recurrentBackwardAsync(...args));
  return result;
}

function rnnBackwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: RnnBackwardOptions): [BackwardArgs, RecurrentGrads, AsyncArg[]] {
  const c = checkCommon(input, weights, shape, 1);
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = c.s;
  checkLength('workspace', workspace, rnnWorkspaceSize(T, B, H));
  const o = checkOptions('options', options) as RnnBackwardOptions;
  const mode = nonlinearityMode(o.nonlinearity);
  const h0 = stateOr('options.h0', o.h0, B * H);
  const go = optLength('options.gradOutput', o.gradOutput, T * B * H);
  const ghn = optLength('options.gradHN', o.gradHN, B * H);
  const accumulate = checkBoolean('options.accumulate', o.accumulate, false);
  const clip = checkFloat32Threshold('options.clipHiddenGradNorm', o.clipHiddenGradNorm);
  const g = gradsOut(o, c, 1);
  const arrays = checkDisjoint(gradList(g, null), [...weightList(input, c), ['options.h0', h0], ['workspace', workspace], ['options.gradOutput', go], ['options.gradHN', ghn]]);
  return [[mode, T, B, I, H, input, h0, null, c.wIh, c.wHh, workspace, go, ghn, null, g.gradInput, g.gradH0, null, g.gradWeightIh, g.gradWeightHh, g.gradBiasIh, g.gradBiasHh, accumulate, clip], g, arrays];
}

/** Options of {@link lstmForward}: the initial states and output buffers. */
export interface LstmForwardOptions {
  /** Initial states [1, batch, H]; zeros when absent. */
  h0?: Float32Array | null;
  /** Initial cell state [1, batch, H]; zeros when absent. */
  c0?: Float32Array | null;
  /** Output buffer [seqLen, batch, H] (every step's hidden state); allocated when absent. */
  output?: Float32Array;
  /** Final hidden state buffer [1, batch, H]; allocated when absent. */
  hN?: Float32Array;
  /** Final cell state buffer [1, batch, H]; allocated when absent. */
  cN?: Float32Array;
  /** lstmWorkspaceSize(...) floats; allocated when absent. */
  workspace?: Float32Array;
}

/** What {@link lstmForward} wrote (the option buffers when given). */
export interface LstmForwardResult extends RnnForwardResult {
  /** The last cell state [1, batch, H]. */
  cN: Float32Array;
}

/**
 * LSTM forward (torch.nn.LSTM, one layer, unidirectional, batch_first = false, gates i, f, g, o):
 * i, f, o = σ(·), g = tanh(·) of the gate row blocks of x_t·Wihᵀ + bih + h_{t−1}·Whhᵀ + bhh;
 * c_t = f·c_{t−1} + i·g; h_t = o·tanh(c_t).
 * @param input [seqLen, batch, inputSize].
 * @param weights weightIh [4H, inputSize], weightHh [4H, H], optional biases [4H].
 * @param shape the dimensions.
 * @param options h0, c0 and output buffers (disjoint from the inputs).
 * @returns output, hN, cN and the workspace for {@link lstmBackward}.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function lstmForward(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: LstmForwardOptions): LstmForwardResult {
  const [args, result] = lstmForwardCall(input, weights, shape, options);
  getBackend().recurrentForward(...args);
  return result;
}

/**
 * {@link lstmForward} off the main thread.
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param input as {@link lstmForward}.
 * @param weights as {@link lstmForward}.
 * @param shape as {@link lstmForward}.
 * @param options as {@link lstmForward}.
 * @returns a Promise of what {@link lstmForward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link lstmForward}, or a resizable buffer.
 */
export async function lstmForwardAsync(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: LstmForwardOptions): Promise<LstmForwardResult> {
  const [args, result, arrays] = lstmForwardCall(input, weights, shape, options);
  await runAsync(arrays, () => getBackend().recurrentForwardAsync(...args));
  return result;
}

function lstmForwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: LstmForwardOptions): [ForwardArgs, LstmForwardResult, AsyncArg[]] {
  const c = checkCommon(input, weights, shape, 4);
  const o = checkOptions('options', options) as LstmForwardOptions;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = c.s;
  const h0 = stateOr('options.h0', o.h0, B * H);
  const c0 = stateOr('options.c0', o.c0, B * H);
  const output = outOr('options.output', o.output, T * B * H);
  const hN = outOr('options.hN', o.hN, B * H);
  const cN = outOr('options.cN', o.cN, B * H);
  const workspace = outOr('options.workspace', o.workspace, lstmWorkspaceSize(T, B, H));
  const arrays = checkDisjoint(
    [['options.output', output], ['options.hN', hN], ['options.cN', cN], ['options.workspace', workspace]],
    [...weightList(input, c), ['options.h0', h0], ['options.c0', c0]],
  );
  return [[2, T, B, I, H, input, h0, c0, c.wIh, c.wHh, c.bIh, c.bHh, output, hN, cN, workspace], { output, hN, cN, workspace }, arrays];
}

/** Gradients from {@link lstmBackward}: {@link RecurrentGrads} with G = 4, and ∂L/∂c0. */
export interface LstmGrads extends RecurrentGrads {
  /** ∂L/∂c0 [1, batch, H] (overwritten). */
  gradC0: Float32Array;
}

/** Options of {@link lstmBackward}: the forward's states, upstream gradients and output buffers. */
export interface LstmBackwardOptions {
  /** The h0/c0 given to the forward (zeros when absent). */
  h0?: Float32Array | null;
  /** The c0 given to the forward (zeros when absent). */
  c0?: Float32Array | null;
  /** Upstream gradient ∂L/∂output [seqLen, batch, H]; absent means zero. */
  gradOutput?: Float32Array | null;
  /** Upstream gradient ∂L/∂hN [1, batch, H]; absent means zero. */
  gradHN?: Float32Array | null;
  /** Upstream gradient ∂L/∂cN [1, batch, H]; absent means zero. */
  gradCN?: Float32Array | null;
  /** Output arrays, each allocated when absent; all disjoint from each other and from the inputs. */
  grads?: Partial<LstmGrads>;
  /** Add into the weight/bias gradients instead of overwriting them (default false). */
  accumulate?: boolean;
  /**
   * Per-step hidden-state gradient clipping inside BPTT (off by default; 0 = off). At every step t,
   * each sample's gradient w.r.t. its hidden state, dh_t[b] = (what flows back from step t+1) +
   * gradOutput[t, b], is scaled by min(1, clipHiddenGradNorm / (‖dh_t[b]‖₂ + 1e-6)) before it
   * reaches the gates (clipGradNorm's factor). Per sample rather than over the whole [B, H] step so
   * one exploding sequence does not shrink the gradients of the others in the batch, and results do
   * not depend on how a batch is composed. The cell-state path (LSTM dc) is not clipped: it is the
   * path the gates already regulate. A row with an infinite norm gets factor 0, as in clipGradNorm.
   * The threshold is rounded to float32 (the native kernels' type) on every backend, so a positive
   * value that is 0 or Infinity in float32 (below about 1.4e-45, above about 3.4e38) is a RangeError.
   */
  clipHiddenGradNorm?: number;
}

/**
 * LSTM backward through time for L = Σ output·gradOutput + Σ hN·gradHN + Σ cN·gradCN (the
 * gradients autograd gives for torch.nn.LSTM).
 * @param input the forward's input [seqLen, batch, inputSize].
 * @param weights the forward's weights.
 * @param shape the forward's shape.
 * @param workspace the forward's workspace, unchanged since.
 * @param options the forward's h0 and c0, upstream gradients, output buffers, `accumulate` and
 *   `clipHiddenGradNorm`.
 * @returns the gradients.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function lstmBackward(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: LstmBackwardOptions): LstmGrads {
  const [args, result] = lstmBackwardCall(input, weights, shape, workspace, options);
  getBackend().recurrentBackward(...args);
  return result;
}

/**
 * {@link lstmBackward} off the main thread.
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param input as {@link lstmBackward}.
 * @param weights as {@link lstmBackward}.
 * @param shape as {@link lstmBackward}.
 * @param workspace as {@link lstmBackward}.
 * @param options as {@link lstmBackward}.
 * @returns a Promise of what {@link lstmBackward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link lstmBackward}, or a resizable buffer.
 */
export async function lstmBackwardAsync(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: LstmBackwardOptions): Promise<LstmGrads> {
  const [args, result, arrays] = lstmBackwardCall(input, weights, shape, workspace, options);
  await runAsync(arrays, () => getBackend().recurrentBackwardAsync(...args));
  return result;
}

function lstmBackwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: LstmBackwardOptions): [BackwardArgs, LstmGrads, AsyncArg[]] {
  const c = checkCommon(input, weights, shape, 4);
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = c.s;
  checkLength('workspace', workspace, lstmWorkspaceSize(T, B, H));
  const o = checkOptions('options', options) as LstmBackwardOptions;
  const h0 = stateOr('options.h0', o.h0, B * H);
  const c0 = stateOr('options.c0', o.c0, B * H);
  const go = optLength('options.gradOutput', o.gradOutput, T * B * H);
  const ghn = optLength('options.gradHN', o.gradHN, B * H);
  const gcn = optLength('options.gradCN', o.gradCN, B * H);
  const accumulate = checkBoolean('options.accumulate', o.accumulate, false);
  const clip = checkFloat32Threshold('options.clipHiddenGradNorm', o.clipHiddenGradNorm);
  const g = gradsOut(o, c, 4);
  const gradC0 = outOr('options.grads.gradC0', o.grads?.gradC0, B * H);
  const arrays = checkDisjoint(gradList(g, gradC0), [
    ...weightList(input, c),
    ['options.h0', h0],
    ['options.c0', c0],
    ['workspace', workspace],
    ['options.gradOutput', go],
    ['options.gradHN', ghn],
    ['options.gradCN', gcn],
  ]);
  return [[2, T, B, I, H, input, h0, c0, c.wIh, c.wHh, workspace, go, ghn, gcn, g.gradInput, g.gradH0, gradC0, g.gradWeightIh, g.gradWeightHh, g.gradBiasIh, g.gradBiasHh, accumulate, clip], { ...g, gradC0 }, arrays];
}
