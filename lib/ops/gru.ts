/**
 * One-layer, unidirectional GRU with explicit forward and backward through time, PyTorch 1.13
 * torch.nn.GRU semantics and layouts (batch_first = false; gate row blocks r, z, n; G = 3):
 * r = σ(W_ir·x + b_ir + W_hr·h + b_hr), z likewise, n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)),
 * h' = (1 − z) ⊙ n + z ⊙ h. b_hn sits inside the reset product (PyTorch's form, not the paper's), so
 * the two bias gradients differ in the n block. The forward fills a caller-visible workspace
 * (gruWorkspaceSize) that the backward reads.
 */
import { getBackend } from '../backend/index.js';
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/ops-types.js';
import { checkOptions, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';
import type { RnnForwardResult } from './rnn.js';
import { backwardCall, forwardCall, workspaceSize, type RecurrentGrads, type RecurrentShape, type RecurrentWeights } from './recurrent.js';

/**
 * Float32 elements of a GRU workspace: 5·seqLen·batch·hiddenSize (activated gates r, z, n
 * [T, B, 3H], W_hn·h_{t−1} + b_hn [T, B, H], hidden states [T, B, H]).
 * @param seqLen T, >= 1.
 * @param batch B, >= 0.
 * @param hiddenSize H, >= 1.
 * @throws {TypeError|RangeError} a dimension that is not an integer in range.
 */
export function gruWorkspaceSize(seqLen: number, batch: number, hiddenSize: number): number {
  return workspaceSize('gru', seqLen, batch, hiddenSize);
}

/** Options of {@link gruForward}: the initial state and output buffers. */
export interface GruForwardOptions {
  /** Initial hidden state [1, batch, H]; zeros when absent. */
  h0?: Float32Array | null;
  /** Output buffer [seqLen, batch, H] (every step's hidden state); allocated when absent. */
  output?: Float32Array;
  /** Final hidden state buffer [1, batch, H]; allocated when absent. */
  hN?: Float32Array;
  /** gruWorkspaceSize(...) floats; allocated when absent. */
  workspace?: Float32Array;
}

const GRU_FORWARD_KEYS = optionKeys<GruForwardOptions>()(['h0', 'output', 'hN', 'workspace']);

/**
 * GRU forward (torch.nn.GRU, one layer, unidirectional, batch_first = false, gates r, z, n):
 * r = σ(x_t·W_irᵀ + b_ir + h_{t−1}·W_hrᵀ + b_hr), z = σ(… z rows …),
 * n = tanh(x_t·W_inᵀ + b_in + r ⊙ (h_{t−1}·W_hnᵀ + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
 * @param input [seqLen, batch, inputSize].
 * @param weights weightIh [3H, inputSize], weightHh [3H, H], optional biases [3H] (row blocks r, z, n).
 * @param shape the dimensions.
 * @param options h0 and output buffers (disjoint from the inputs).
 * @returns output, hN and the workspace for {@link gruBackward}.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function gruForward(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: GruForwardOptions): RnnForwardResult {
  const [args, result] = gruForwardCall(input, weights, shape, options);
  getBackend().recurrentForward(args);
  return result;
}

/**
 * {@link gruForward} off the main thread (native: a worker thread; pure-TS: a later microtask).
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param input as {@link gruForward}.
 * @param weights as {@link gruForward}.
 * @param shape as {@link gruForward}.
 * @param options as {@link gruForward}.
 * @returns a Promise of what {@link gruForward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link gruForward}, or a resizable buffer.
 */
export async function gruForwardAsync(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: GruForwardOptions): Promise<RnnForwardResult> {
  const [args, result, arrays] = gruForwardCall(input, weights, shape, options);
  await runAsync(arrays, () => getBackend().recurrentForwardAsync(args));
  return result;
}

/** Options of {@link gruBackward}: the forward's h0, upstream gradients and output buffers. */
export interface GruBackwardOptions {
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
   * Per-step, per-sample hidden-state gradient clipping inside BPTT, exactly as
   * LstmBackwardOptions.clipHiddenGradNorm (0 = off): each sample's dh_t is scaled by
   * min(1, clipHiddenGradNorm / (‖dh_t[b]‖₂ + 1e-6)) before it reaches the gates.
   */
  clipHiddenGradNorm?: number;
}

const GRU_BACKWARD_KEYS = optionKeys<GruBackwardOptions>()(['h0', 'gradOutput', 'gradHN', 'grads', 'accumulate', 'clipHiddenGradNorm']);

/**
 * GRU backward through time for L = Σ output·gradOutput + Σ hN·gradHN (the gradients autograd gives
 * for torch.nn.GRU). gradBiasIh and gradBiasHh agree in the r and z blocks and differ in the n block
 * (Σ dn and Σ r ⊙ dn, dn the gradient of n's pre-activation).
 * @param input the forward's input [seqLen, batch, inputSize].
 * @param weights the forward's weights.
 * @param shape the forward's shape.
 * @param workspace the forward's workspace, unchanged since.
 * @param options the forward's h0, upstream gradients, output buffers, `accumulate` and
 *   `clipHiddenGradNorm`.
 * @returns the gradients.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function gruBackward(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: GruBackwardOptions): RecurrentGrads {
  const [args, result] = gruBackwardCall(input, weights, shape, workspace, options);
  getBackend().recurrentBackward(args);
  return result;
}

/**
 * {@link gruBackward} off the main thread.
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param input as {@link gruBackward}.
 * @param weights as {@link gruBackward}.
 * @param shape as {@link gruBackward}.
 * @param workspace as {@link gruBackward}.
 * @param options as {@link gruBackward}.
 * @returns a Promise of what {@link gruBackward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link gruBackward}, or a resizable buffer.
 */
export async function gruBackwardAsync(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: GruBackwardOptions): Promise<RecurrentGrads> {
  const [args, result, arrays] = gruBackwardCall(input, weights, shape, workspace, options);
  await runAsync(arrays, () => getBackend().recurrentBackwardAsync(args));
  return result;
}

function gruForwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, options?: GruForwardOptions): [RecurrentForwardArgs, RnnForwardResult, AsyncArg[]] {
  const [args, { output, hN, workspace }, arrays] = forwardCall('gru', input, weights, shape, checkOptions('ops.gruForward(Async): options', options, GRU_FORWARD_KEYS));
  return [args, { output, hN, workspace }, arrays];
}

function gruBackwardCall(input: Float32Array, weights: RecurrentWeights, shape: RecurrentShape, workspace: Float32Array, options?: GruBackwardOptions): [RecurrentBackwardArgs, RecurrentGrads, AsyncArg[]] {
  const [args, grads, arrays] = backwardCall('gru', input, weights, shape, workspace, checkOptions('ops.gruBackward(Async): options', options, GRU_BACKWARD_KEYS));
  const { gradC0: _unused, ...rest } = grads;
  return [args, rest, arrays];
}
