/**
 * One-layer, unidirectional LSTM with explicit forward and backward through time, PyTorch 1.13
 * torch.nn.LSTM semantics and layouts (batch_first = false; gate row blocks i, f, g, o; G = 4):
 * i, f, o = σ(·), g = tanh(·) of those blocks; c_t = f·c_{t−1} + i·g; h_t = o·tanh(c_t). The forward
 * fills a caller-visible workspace (lstmWorkspaceSize) that the backward reads.
 */
import { getBackend } from '../backend/index.js';
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/ops-types.js';
import { checkOptions, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';
import type { RnnForwardResult } from './rnn.js';
import { backwardCall, forwardCall, workspaceSize, type RecurrentGrads, type RecurrentShape, type RecurrentWeights } from './recurrent.js';

/**
 * Float32 elements of an LSTM workspace: 6·seqLen·batch·hiddenSize (activated gates [T, B, 4H],
 * cell states [T, B, H], hidden states [T, B, H]).
 * @param seqLen T, >= 1.
 * @param batch B, >= 0.
 * @param hiddenSize H, >= 1.
 * @throws {TypeError|RangeError} a dimension that is not an integer in range.
 */
export function lstmWorkspaceSize(seqLen: number, batch: number, hiddenSize: number): number {
  return workspaceSize('lstm', seqLen, batch, hiddenSize);
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

const LSTM_FORWARD_KEYS = optionKeys<LstmForwardOptions>()(['h0', 'c0', 'output', 'hN', 'cN', 'workspace']);

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
  getBackend().recurrentForward(args);
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
  await runAsync(arrays, () => getBackend().recurrentForwardAsync(args));
  return result;
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

const LSTM_BACKWARD_KEYS = optionKeys<LstmBackwardOptions>()(['h0', 'c0', 'gradOutput', 'gradHN', 'gradCN', 'grads', 'accumulate', 'clipHiddenGradNorm']);

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
  getBackend().recurrentBackward(args);
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
  await runAsync(arrays, () => getBackend().recurrentBackwardAsync(args));
  return result;
}

function lstmForwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: LstmForwardOptions): [RecurrentForwardArgs, LstmForwardResult, AsyncArg[]] {
  const [args, { output, hN, cN, workspace }, arrays] = forwardCall('lstm', input, weights, shape, checkOptions('ops.lstmForward(Async): options', options, LSTM_FORWARD_KEYS));
  return [args, { output, hN, cN: cN!, workspace }, arrays];
}

function lstmBackwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: LstmBackwardOptions): [RecurrentBackwardArgs, LstmGrads, AsyncArg[]] {
  const [args, grads, arrays] = backwardCall('lstm', input, weights, shape, workspace, checkOptions('ops.lstmBackward(Async): options', options, LSTM_BACKWARD_KEYS));
  return [args, { ...grads, gradC0: grads.gradC0! }, arrays];
}
