/**
 * One-layer, unidirectional RNN (tanh/relu) with explicit forward and backward through time,
 * PyTorch 1.13 torch.nn.RNN semantics and layouts (batch_first = false; shapes and weights as
 * recurrent.ts documents, G = 1): h_t = act(x_t·Wihᵀ + bih + h_{t−1}·Whhᵀ + bhh). The forward fills
 * a caller-visible workspace (rnnWorkspaceSize) that the backward reads; keep it unchanged in between.
 */
import { getBackend } from '../backend/index.js';
import type { RecurrentMode } from '../backend/kinds.js';
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/ops-types.js';
import { invalidArg } from '../errors.js';
import { checkOptions, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';
import { backwardCall, forwardCall, workspaceSize, type RecurrentGrads, type RecurrentShape, type RecurrentWeights } from './recurrent.js';

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
  return workspaceSize('rnn_tanh', seqLen, batch, hiddenSize);
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

const RNN_FORWARD_KEYS = optionKeys<RnnForwardOptions>()(['nonlinearity', 'h0', 'output', 'hN', 'workspace']);

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
  getBackend().recurrentForward(args);
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
  await runAsync(arrays, () => getBackend().recurrentForwardAsync(args));
  return result;
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

const RNN_BACKWARD_KEYS = optionKeys<RnnBackwardOptions>()(['nonlinearity', 'h0', 'gradOutput', 'gradHN', 'grads', 'accumulate', 'clipHiddenGradNorm']);

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
  getBackend().recurrentBackward(args);
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
  await runAsync(arrays, () => getBackend().recurrentBackwardAsync(args));
  return result;
}

function nonlinearityMode(v: unknown): RecurrentMode {
  if (v === undefined || v === 'tanh') return 'rnn_tanh';
  if (v === 'relu') return 'rnn_relu';
  return invalidArg('options.nonlinearity', '"tanh" or "relu"', v, typeof v === 'string' ? 'range' : 'type');
}

function rnnForwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: RnnForwardOptions): [RecurrentForwardArgs, RnnForwardResult, AsyncArg[]] {
  const o = checkOptions('ops.rnnForward(Async): options', options, RNN_FORWARD_KEYS) as RnnForwardOptions;
  const [args, { output, hN, workspace }, arrays] = forwardCall(nonlinearityMode(o.nonlinearity), input, weights, shape, o);
  return [args, { output, hN, workspace }, arrays];
}

function rnnBackwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: RnnBackwardOptions): [RecurrentBackwardArgs, RecurrentGrads, AsyncArg[]] {
  const o = checkOptions('ops.rnnBackward(Async): options', options, RNN_BACKWARD_KEYS) as RnnBackwardOptions;
  const [args, { gradC0: _, ...grads }, arrays] = backwardCall(nonlinearityMode(o.nonlinearity), input, weights, shape, workspace, o);
  return [args, grads, arrays];
}
