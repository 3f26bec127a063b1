/**
 * nn.RNN (tanh/relu) and nn.LSTM: one layer, unidirectional, PyTorch 1.13 layouts and parameter
 * names (`weight_ih_l0` [G·H, in], `weight_hh_l0` [G·H, H], `bias_ih_l0`, `bias_hh_l0`; G = 1 or 4,
 * LSTM gates i, f, g, o), over ops.rnnForward/rnnBackward and lstmForward/lstmBackward.
 * Input [seq, batch, input] → output [seq, batch, hidden]; the final states are `hN` (and `cN`),
 * [1, batch, hidden]. Initial states are optional (zeros). Outputs, workspace and gradient buffers
 * are allocated on the first call and reused while the shapes stay the same.
 */
import { uniform } from '../init/init.js';
import { lstmBackward, lstmForward, lstmWorkspaceSize, rnnBackward, rnnForward, rnnWorkspaceSize } from '../ops/index.js';
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { checkGrad, checkTensor, shapeError, Buffer, type Tensor } from './tensor.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link LSTM} (and {@link RNN}): bias, and the seed or generator for the initial weights. */
export interface RecurrentOptions extends InitOptions {
  /** Learn the two bias vectors. Default true. */
  bias?: boolean;
}

/** Options of {@link RNN}: {@link RecurrentOptions} and the activation. */
export interface RNNOptions extends RecurrentOptions {
  /** The activation. Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** PyTorch options of nn.RNN/nn.LSTM that have no counterpart here yet: refused, never ignored. */
const NOT_YET = ['numLayers', 'batchFirst', 'dropout', 'bidirectional'] as const;
const LSTM_OPTION_KEYS = optionKeys<RecurrentOptions>()([...INIT_OPTION_KEYS, 'bias']);
const RNN_OPTION_KEYS = optionKeys<RNNOptions>()([...LSTM_OPTION_KEYS, 'nonlinearity']);

/** Initial states for forward: [1, batch, hidden] (or [batch, hidden]); zeros when absent. */
export interface RecurrentState {
  /** Initial hidden state. */
  h0?: Tensor | null;
  /** LSTM only. */
  c0?: Tensor | null;
}

/** Upstream gradients of the final states, for backward; zeros when absent. */
export interface RecurrentStateGrad {
  /** ∂loss/∂hN, [1, batch, hidden] (or [batch, hidden]). */
  gradHN?: Tensor | null;
  /** LSTM only. */
  gradCN?: Tensor | null;
}

abstract class RecurrentBase extends Module {
  /** Features per input step. */
  readonly inputSize: number;
  /** Hidden units H. */
  readonly hiddenSize: number;
  /** `weight_ih_l0` [G·H, inputSize] (G = 1 for RNN, 4 for LSTM). */
  readonly weightIh: Parameter;
  /** `weight_hh_l0` [G·H, H]. */
  readonly weightHh: Parameter;
  /** `bias_ih_l0` [G·H], or null without bias. */
  readonly biasIh: Parameter | null;
  /** `bias_hh_l0` [G·H], or null without bias. */
  readonly biasHh: Parameter | null;
  /** @internal Whether this is an LSTM (4 gates). */
  protected readonly lstm: boolean;
  private cache: { x: Tensor; h0: Float32Array | null; c0: Float32Array | null; seq: number; batch: number } | null = null;
  private readonly out = new Buffer();
  private readonly hn = new Buffer();
  private readonly cn = new Buffer();
  private readonly ws = new Buffer();
  private readonly gIn = new Buffer();
  private readonly gH0 = new Buffer();
  private readonly gC0 = new Buffer();
  /** Copies of states that alias this module's own buffers (see stateArg). */
  private readonly copies = { h0: new Buffer(), c0: new Buffer(), gradHN: new Buffer(), gradCN: new Buffer() };
  /** Zeros standing for absent initial states (never written), so no step allocates them. */
  private readonly zeros = new Buffer();
  private batch = 0;

  protected constructor(label: string, inputSize: number, hiddenSize: number, gates: number, options: RecurrentOptions | undefined) {
    super();
    this.inputSize = checkSize(`${label} inputSize`, inputSize);
    this.hiddenSize = checkSize(`${label} hiddenSize`, hiddenSize);
    this.lstm = gates === 4;
    const gh = gates * hiddenSize;
    this.weightIh = this.addParameter('weight_ih_l0', [gh, inputSize]);
    this.weightHh = this.addParameter('weight_hh_l0', [gh, hiddenSize]);
    const withBias = options?.bias !== false;
    this.biasIh = withBias ? this.addParameter('bias_ih_l0', [gh]) : null;
    this.biasHh = withBias ? this.addParameter('bias_hh_l0', [gh]) : null;
    // PyTorch: every weight and bias ~ U(−1/√H, 1/√H).
    const k = 1 / Math.sqrt(hiddenSize);
    const r = randomOptions(label, options);
    for (const p of this.parameters()) uniform(p.data, p.shape, { ...r, a: -k, b: k });
  }

  /** The final hidden state of the last forward, [1, batch, hidden]. */
  get hN(): Tensor {
    return { data: this.hn.get(this.batch * this.hiddenSize), shape: [1, this.batch, this.hiddenSize] };
  }

  /** ∂loss/∂h0 from the last backward, [1, batch, hidden]. */
  get gradH0(): Tensor {
    return { data: this.gH0.get(this.batch * this.hiddenSize), shape: [1, this.batch, this.hiddenSize] };
  }

  /** @internal */
  protected get cnTensor(): Tensor {
    return { data: this.cn.get(this.batch * this.hiddenSize), shape: [1, this.batch, this.hiddenSize] };
  }

  /** @internal */
  protected get gradC0Tensor(): Tensor {
    return { data: this.gC0.get(this.batch * this.hiddenSize), shape: [1, this.batch, this.hiddenSize] };
  }

  private weights() {
    return { weightIh: this.weightIh.data, weightHh: this.weightHh.data, biasIh: this.biasIh?.data ?? null, biasHh: this.biasHh?.data ?? null };
  }

  private stateArg(name: 'h0' | 'c0' | 'gradHN' | 'gradCN', method: string, t: Tensor | null | undefined, batch: number): Float32Array | null {
    if (t === undefined || t === null) return null;
    const where = this.where(method, name);
    checkTensor(where, t);
    const H = this.hiddenSize;
    const ok = (t.shape.length === 3 && t.shape[0] === 1 && t.shape[1] === batch && t.shape[2] === H) || (t.shape.length === 2 && t.shape[0] === batch && t.shape[1] === H);
    if (!ok) shapeError(where, `[1, ${batch}, ${H}]`, t.shape);
    // Carrying state across chunks passes this module's own hN/cN (or gradH0/gradC0) back in; the
    // kernels write those buffers while reading the state, so such a state is copied first.
    const own = [this.hn, this.cn, this.gH0, this.gC0].some((b) => b.current.length > 0 && b.current.buffer === t.data.buffer);
    if (!own) return t.data;
    const copy = this.copies[name].get(t.data.length);
    copy.set(t.data);
    return copy;
  }

  /**
   * x [seq, batch, inputSize] → output [seq, batch, hiddenSize]; hN (and cN) hold the final states.
   * @param x [seq >= 1, batch, inputSize].
   * @param state initial states h0 (and c0 for an LSTM); zeros when absent. Passing the module's own
   *   `hN`/`cN` back in (carrying state across chunks) is fine: it is copied first.
   * @throws {TypeError|RangeError} x or an initial state of the wrong shape (the error names which),
   *   or a c0 given to an RNN.
   */
  forward(x: Tensor, state?: RecurrentState): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    if (x.shape.length !== 3 || x.shape[2] !== this.inputSize) shapeError(where, `[seq, batch, ${this.inputSize}]`, x.shape);
    if (x.shape[0] === 0) shapeError(where, `[seq >= 1, batch, ${this.inputSize}] (PyTorch refuses an empty sequence too)`, x.shape);
    if (state !== undefined && (state === null || typeof state !== 'object')) invalidArg(this.where('forward', 'state'), 'an object { h0?, c0? }', state);
    if (!this.lstm && state && 'c0' in state) invalidArg(this.where('forward', 'c0'), 'no c0 (an RNN has no cell state)', state.c0);
    checkOptions(this.where('forward', 'state'), state, this.lstm ? ['h0', 'c0'] : ['h0']);
    const [T, B] = x.shape;
    const H = this.hiddenSize;
    const zeros = this.zeros.get(B * H);
    const h0 = this.stateArg('h0', 'forward', state?.h0, B) ?? zeros;
    const c0 = this.lstm ? (this.stateArg('c0', 'forward', state?.c0, B) ?? zeros) : null;
    this.batch = B;
    const shape = { seqLen: T, batch: B, inputSize: this.inputSize, hiddenSize: H };
    const output = this.out.get(T * B * H);
    const hN = this.hn.get(B * H);
    if (this.lstm) {
      const workspace = this.ws.get(lstmWorkspaceSize(T, B, H));
      lstmForward(x.data, this.weights(), shape, { h0, c0, output, hN, cN: this.cn.get(B * H), workspace });
    } else {
      const workspace = this.ws.get(rnnWorkspaceSize(T, B, H));
      rnnForward(x.data, this.weights(), shape, { nonlinearity: this.nonlinearity(), h0, output, hN, workspace });
    }
    this.cache = { x, h0, c0, seq: T, batch: B };
    return { data: output, shape: [T, B, H] };
  }

  /**
   * Backpropagation through time: accumulates the weight gradients, returns ∂loss/∂x; gradH0 (and
   * gradC0) hold ∂loss/∂ of the initial states.
   * @param gradOut ∂loss/∂output, [seq, batch, hiddenSize].
   * @param gradState gradients flowing into hN (and cN) from later use; zeros when absent.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} a gradient of the wrong shape.
   */
  backward(gradOut: Tensor, gradState?: RecurrentStateGrad): Tensor {
    const c = this.cache ?? this.noForward();
    const { seq: T, batch: B, x } = c;
    const H = this.hiddenSize;
    if (!this.lstm && gradState && typeof gradState === 'object' && 'gradCN' in gradState) invalidArg(this.where('backward', 'gradCN'), 'no gradCN (an RNN has no cell state)', gradState.gradCN);
    checkOptions(this.where('backward', 'gradState'), gradState, this.lstm ? ['gradHN', 'gradCN'] : ['gradHN']);
    checkGrad(this.where('backward', 'gradOut'), gradOut, [T, B, H]);
    const gradHN = this.stateArg('gradHN', 'backward', gradState?.gradHN, B);
    const shape = { seqLen: T, batch: B, inputSize: this.inputSize, hiddenSize: H };
    const grads = {
      gradInput: this.gIn.get(T * B * this.inputSize),
      gradH0: this.gH0.get(B * H),
      gradWeightIh: this.weightIh.grad,
      gradWeightHh: this.weightHh.grad,
      gradBiasIh: this.biasIh?.grad ?? null,
      gradBiasHh: this.biasHh?.grad ?? null,
    };
    if (this.lstm) {
      const gradCN = this.stateArg('gradCN', 'backward', gradState?.gradCN, B);
      lstmBackward(x.data, this.weights(), shape, this.ws.get(lstmWorkspaceSize(T, B, H)), {
        h0: c.h0, c0: c.c0, gradOutput: gradOut.data, gradHN, gradCN, grads: { ...grads, gradC0: this.gC0.get(B * H) }, accumulate: true,
      });
    } else {
      rnnBackward(x.data, this.weights(), shape, this.ws.get(rnnWorkspaceSize(T, B, H)), {
        nonlinearity: this.nonlinearity(), h0: c.h0, gradOutput: gradOut.data, gradHN, grads, accumulate: true,
      });
    }
    return { data: grads.gradInput, shape: x.shape };
  }

  /** @internal */
  protected nonlinearity(): 'tanh' | 'relu' {
    return 'tanh';
  }
}

/**
 * Elman RNN (PyTorch `nn.RNN`, one layer, unidirectional, batch_first = false):
 * h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh (default) or relu, over
 * {@link ops.rnnForward}. Input [seq, batch, input] → output [seq, batch, hidden]; the final state is
 * `hN`. Weights and biases ~ U(−1/√H, 1/√H), as PyTorch.
 */
export class RNN extends RecurrentBase {
  /** The activation. */
  readonly mode: 'tanh' | 'relu';
  /**
   * @param inputSize features per input step (integer >= 1).
   * @param hiddenSize hidden units H (integer >= 1).
   * @param options nonlinearity (default 'tanh'), bias (default true), seed or rng.
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    checkOptions('new nn.RNN: options', options, RNN_OPTION_KEYS, NOT_YET);
    const mode = options?.nonlinearity ?? 'tanh';
    if (mode !== 'tanh' && mode !== 'relu') invalidArg('RNN options.nonlinearity', '"tanh" or "relu"', mode, typeof mode === 'string' ? 'range' : 'type');
    super('RNN', inputSize, hiddenSize, 1, options);
    this.mode = mode;
  }
  override toString(): string {
    return `RNN(${this.inputSize}→${this.hiddenSize}, ${this.mode})`;
  }
  protected override nonlinearity(): 'tanh' | 'relu' {
    return this.mode;
  }
}

/**
 * LSTM (Hochreiter & Schmidhuber 1997; PyTorch `nn.LSTM`, one layer, unidirectional,
 * batch_first = false, gates i, f, g, o), over {@link ops.lstmForward}. Input [seq, batch, input] →
 * output [seq, batch, hidden]; the final states are `hN` and `cN`. Weights and biases
 * ~ U(−1/√H, 1/√H), as PyTorch.
 */
export class LSTM extends RecurrentBase {
  /**
   * @param inputSize features per input step (integer >= 1).
   * @param hiddenSize hidden units H (integer >= 1).
   * @param options bias (default true), seed or rng.
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    checkOptions('new nn.LSTM: options', options, LSTM_OPTION_KEYS, [...NOT_YET, 'projSize']);
    super('LSTM', inputSize, hiddenSize, 4, options);
  }
  override toString(): string {
    return `LSTM(${this.inputSize}→${this.hiddenSize})`;
  }
  /** The final cell state of the last forward, [1, batch, hidden]. */
  get cN(): Tensor {
    return this.cnTensor;
  }
  /** ∂loss/∂c0 from the last backward, [1, batch, hidden]. */
  get gradC0(): Tensor {
    return this.gradC0Tensor;
  }
}
