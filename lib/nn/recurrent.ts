/**
 * nn.RNN (tanh/relu), nn.LSTM and nn.GRU: PyTorch 1.13 layouts and parameter names, optionally
 * stacked (`numLayers`) and bidirectional, with dropout between layers in training. Per layer l and
 * direction (suffix `_reverse` for the second): `weight_ih_l{l}` [G·H, in_l], `weight_hh_l{l}`
 * [G·H, H], `bias_ih_l{l}`, `bias_hh_l{l}` [G·H]; G = 1 (RNN), 4 (LSTM, gates i, f, g, o) or 3
 * (GRU, r, z, n); in_0 = input size, in_l = D·H above (D = 2 when bidirectional). Input
 * [seq, batch, input] → output [seq, batch, D·hidden]; the final states are `hN` (and `cN`),
 * [numLayers·D, batch, hidden], indexed layer·D + direction. Initial states are optional (zeros).
 * Outputs, workspace and gradient buffers are allocated on the first call and reused while the
 * shapes stay the same. The layers and directions run on the one-layer ops (recurrent-stack.ts).
 */
import { uniform } from '../init/init.js';
import { Rng } from '../init/rng.js';
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import { checkGrad, checkTensor, shapeError, Buffer, type Tensor } from './tensor.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { checkBoolean, checkOptions, optionKeys } from '../validate/index.js';
import { RecurrentStack, type Cell, type CellMode } from './recurrent-stack.js';
import type { Parameter } from './parameter.js';
/** Options of {@link LSTM}, {@link GRU} (and {@link RNN}): bias, stacking, direction, dropout and seeding. */
export interface RecurrentOptions extends InitOptions {
  /** Learn the two bias vectors. Default true. */
  bias?: boolean;
  /** Stacked layers L (PyTorch `num_layers`): layer l ≥ 1 reads layer l − 1's output. Default 1. */
  numLayers?: number;
  /** Run a second direction over the reversed sequence and concatenate [forward, reverse] outputs. Default false. */
  bidirectional?: boolean;
  /**
   * Probability of zeroing each output of a layer below the top before the next layer reads it, in
   * training mode only (kept ones scaled by 1/(1 − p), as PyTorch). Default 0. The masks come from
   * the module's generator: `options.rng` when given, else one seeded by `options.seed` (continuing
   * after the weights), else one seeded from the default generator (manualSeed) at construction.
   */
  dropout?: number;
}

/** Options of {@link RNN}: {@link RecurrentOptions} and the activation. */
export interface RNNOptions extends RecurrentOptions {
  /** The activation. Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** PyTorch options of nn.RNN/nn.LSTM/nn.GRU that have no counterpart here yet: refused, never ignored. */
const NOT_YET = ['batchFirst'] as const;
const LSTM_OPTION_KEYS = optionKeys<RecurrentOptions>()([...INIT_OPTION_KEYS, 'bias', 'numLayers', 'bidirectional', 'dropout']);
const RNN_OPTION_KEYS = optionKeys<RNNOptions>()([...LSTM_OPTION_KEYS, 'nonlinearity']);

/** Initial states for forward: [numLayers·D, batch, hidden] (or [batch, hidden] for one layer, one direction); zeros when absent. */
export interface RecurrentState {
  /** Initial hidden state. */
  h0?: Tensor | null;
  /** LSTM only. */
  c0?: Tensor | null;
}

/** Upstream gradients of the final states, for backward; zeros when absent. */
export interface RecurrentStateGrad {
  /** ∂loss/∂hN, [numLayers·D, batch, hidden] (or [batch, hidden] for one layer, one direction). */
  gradHN?: Tensor | null;
  /** LSTM only. */
  gradCN?: Tensor | null;
}

abstract class RecurrentBase extends Module {
  /** Features per input step. */
  readonly inputSize: number;
  /** Hidden units H. */
  readonly hiddenSize: number;
  /** Stacked layers L. */
  readonly numLayers: number;
  /** Whether a reverse direction runs too (D = 2). */
  readonly bidirectional: boolean;
  /** Inter-layer dropout probability (training only). */
  readonly dropout: number;
  /** `weight_ih_l0` [G·H, inputSize] (G = 1 for RNN, 4 for LSTM, 3 for GRU). */
  readonly weightIh: Parameter;
  /** `weight_hh_l0` [G·H, H]. */
  readonly weightHh: Parameter;
  /** `bias_ih_l0` [G·H], or null without bias. */
  readonly biasIh: Parameter | null;
  /** `bias_hh_l0` [G·H], or null without bias. */
  readonly biasHh: Parameter | null;
  /** @internal Whether this is an LSTM (a cell state). */
  protected readonly lstm: boolean;
  private readonly label: string;
  private readonly cellMode: CellMode;
  private readonly stack: RecurrentStack;
  private cache: { x: Tensor; seq: number; batch: number } | null = null;
  private readonly out = new Buffer();
  private readonly hn = new Buffer();
  private readonly cn = new Buffer();
  private readonly gIn = new Buffer();
  private readonly gH0 = new Buffer();
  private readonly gC0 = new Buffer();
  /** Copies of states that alias this module's own buffers (see stateArg). */
  private readonly copies = { h0: new Buffer(), c0: new Buffer(), gradHN: new Buffer(), gradCN: new Buffer() };
  /** Zeros standing for absent initial states (never written), so no step allocates them. */
  private readonly zeros = new Buffer();
  private batch = 0;

  protected constructor(label: string, inputSize: number, hiddenSize: number, mode: CellMode, options: RecurrentOptions | undefined) {
    super();
    this.label = label;
    this.cellMode = mode;
    this.inputSize = checkSize(`${label} inputSize`, inputSize);
    this.hiddenSize = checkSize(`${label} hiddenSize`, hiddenSize);
    this.numLayers = checkSize(`${label} options.numLayers`, options?.numLayers ?? 1);
    this.bidirectional = checkBoolean(`${label} options.bidirectional`, options?.bidirectional, false);
    const p = options?.dropout ?? 0;
    if (typeof p !== 'number') invalidArg(`${label} options.dropout`, 'a number in [0, 1]', p);
    if (!(p >= 0 && p <= 1)) invalidArg(`${label} options.dropout`, 'a number in [0, 1]', p, 'range');
    this.dropout = p;
    this.lstm = mode === 'lstm';
    const gates = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
    const gh = gates * hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const withBias = options?.bias !== false;
    const cells: Cell[] = [];
    // PyTorch's parameter order: per layer, forward then reverse; weight_ih, weight_hh, bias_ih, bias_hh.
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const inSize = l === 0 ? inputSize : D * hiddenSize;
        cells.push({
          wIh: this.addParameter(`weight_ih${sfx}`, [gh, inSize]),
          wHh: this.addParameter(`weight_hh${sfx}`, [gh, hiddenSize]),
          bIh: withBias ? this.addParameter(`bias_ih${sfx}`, [gh]) : null,
          bHh: withBias ? this.addParameter(`bias_hh${sfx}`, [gh]) : null,
          inSize,
          ws: new Buffer(), out: new Buffer(), revIn: new Buffer(), gOut: new Buffer(), gIn: new Buffer(), input: null,
        });
      }
    }
    [this.weightIh, this.weightHh, this.biasIh, this.biasHh] = [cells[0].wIh, cells[0].wHh, cells[0].bIh, cells[0].bHh];
    // PyTorch: every weight and bias ~ U(−1/√H, 1/√H).
    const k = 1 / Math.sqrt(hiddenSize);
    const r = randomOptions(label, options);
    for (const q of this.parameters()) uniform(q.data, q.shape, { ...r, a: -k, b: k });
    let rng: Rng | null = null;
    if (p > 0 && this.numLayers > 1) {
      if (r.rng) rng = r.rng;
      else {
        // one draw from the default generator seeds this module's masks (manualSeed reproduces them)
        const seed = uniform(new Float32Array(1), [1], { a: 0, b: 2 ** 24 })[0];
        rng = new Rng(Math.floor(seed));
      }
    }
    this.stack = new RecurrentStack(mode, cells, this.numLayers, D, hiddenSize, p, rng);
  }

  /** Directions D (2 when bidirectional). */
  private get dirs(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** States per batch row: numLayers·D. */
  private get states(): number {
    return this.numLayers * this.dirs;
  }

  override toString(): string {
    const extra = [this.cellMode === 'rnn_relu' ? 'relu' : this.cellMode === 'rnn_tanh' ? 'tanh' : '', this.numLayers > 1 ? `${this.numLayers} layers` : '', this.bidirectional ? 'bidirectional' : '', this.dropout > 0 ? `dropout ${this.dropout}` : '']
      .filter((e) => e !== '')
      .join(', ');
    return `${this.label}(${this.inputSize}→${this.hiddenSize}${extra ? `, ${extra}` : ''})`;
  }

  private stateTensor(b: Buffer): Tensor {
    const n = this.states;
    return { data: b.get(n * this.batch * this.hiddenSize), shape: [n, this.batch, this.hiddenSize] };
  }

  /** The final hidden states of the last forward, [numLayers·D, batch, hidden] (index layer·D + direction). */
  get hN(): Tensor {
    return this.stateTensor(this.hn);
  }

  /** ∂loss/∂h0 from the last backward, [numLayers·D, batch, hidden]. */
  get gradH0(): Tensor {
    return this.stateTensor(this.gH0);
  }

  /** @internal */
  protected get cnTensor(): Tensor {
    return this.stateTensor(this.cn);
  }

  /** @internal */
  protected get gradC0Tensor(): Tensor {
    return this.stateTensor(this.gC0);
  }

  private stateArg(name: 'h0' | 'c0' | 'gradHN' | 'gradCN', method: string, t: Tensor | null | undefined, batch: number): Float32Array | null {
    if (t === undefined || t === null) return null;
    const where = this.where(method, name);
    checkTensor(where, t);
    const H = this.hiddenSize;
    const n = this.states;
    const ok = (t.shape.length === 3 && t.shape[0] === n && t.shape[1] === batch && t.shape[2] === H) || (n === 1 && t.shape.length === 2 && t.shape[0] === batch && t.shape[1] === H);
    if (!ok) shapeError(where, `[${n}, ${batch}, ${H}]${n > 1 ? ` (numLayers·directions = ${this.numLayers}·${this.dirs})` : ''}`, t.shape);
    // Carrying state across chunks passes this module's own hN/cN (or gradH0/gradC0) back in; the
    // kernels write those buffers while reading the state, so such a state is copied first.
    const own = [this.hn, this.cn, this.gH0, this.gC0].some((b) => b.current.length > 0 && b.current.buffer === t.data.buffer);
    if (!own) return t.data;
    const copy = this.copies[name].get(t.data.length);
    copy.set(t.data);
    return copy;
  }

  /**
   * x [seq, batch, inputSize] → output [seq, batch, D·hiddenSize]; hN (and cN) hold the final states.
   * @param x [seq >= 1, batch, inputSize].
   * @param state initial states h0 (and c0 for an LSTM), [numLayers·D, batch, hidden]; zeros when
   *   absent. Passing the module's own `hN`/`cN` back in (carrying state across chunks) is fine: it
   *   is copied first.
   * @throws {TypeError|RangeError} x or an initial state of the wrong shape (the error names which
   *   and both shapes), or a c0 given to an RNN or GRU.
   */
  forward(x: Tensor, state?: RecurrentState): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    if (x.shape.length !== 3 || x.shape[2] !== this.inputSize) shapeError(where, `[seq, batch, ${this.inputSize}]`, x.shape);
    if (x.shape[0] === 0) shapeError(where, `[seq >= 1, batch, ${this.inputSize}] (PyTorch refuses an empty sequence too)`, x.shape);
    if (state !== undefined && (state === null || typeof state !== 'object')) invalidArg(this.where('forward', 'state'), 'an object { h0?, c0? }', state);
    if (!this.lstm && state && 'c0' in state) invalidArg(this.where('forward', 'c0'), `no c0 (${this.cellMode === 'gru' ? 'a GRU' : 'an RNN'} has no cell state)`, state.c0);
    checkOptions(this.where('forward', 'state'), state, this.lstm ? ['h0', 'c0'] : ['h0']);
    const [T, B] = x.shape;
    const H = this.hiddenSize;
    const S = this.states * B * H;
    const zeros = this.zeros.get(S);
    const h0 = this.stateArg('h0', 'forward', state?.h0, B) ?? zeros;
    const c0 = this.lstm ? (this.stateArg('c0', 'forward', state?.c0, B) ?? zeros) : null;
    this.batch = B;
    const output = this.out.get(T * B * this.dirs * H);
    this.stack.forward(x.data, T, B, h0, c0, output, this.hn.get(S), this.lstm ? this.cn.get(S) : null, this.training);
    this.cache = { x, seq: T, batch: B };
    return { data: output, shape: [T, B, this.dirs * H] };
  }

  /**
   * Backpropagation through time: accumulates the weight gradients, returns ∂loss/∂x; gradH0 (and
   * gradC0) hold ∂loss/∂ of the initial states.
   * @param gradOut ∂loss/∂output, [seq, batch, D·hiddenSize].
   * @param gradState gradients flowing into hN (and cN) from later use; zeros when absent.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} a gradient of the wrong shape.
   */
  backward(gradOut: Tensor, gradState?: RecurrentStateGrad): Tensor {
    const c = this.cache ?? this.noForward();
    const { seq: T, batch: B, x } = c;
    const H = this.hiddenSize;
    if (!this.lstm && gradState && typeof gradState === 'object' && 'gradCN' in gradState) invalidArg(this.where('backward', 'gradCN'), `no gradCN (${this.cellMode === 'gru' ? 'a GRU' : 'an RNN'} has no cell state)`, gradState.gradCN);
    checkOptions(this.where('backward', 'gradState'), gradState, this.lstm ? ['gradHN', 'gradCN'] : ['gradHN']);
    checkGrad(this.where('backward', 'gradOut'), gradOut, [T, B, this.dirs * H]);
    const gradHN = this.stateArg('gradHN', 'backward', gradState?.gradHN, B);
    const gradCN = this.lstm ? this.stateArg('gradCN', 'backward', gradState?.gradCN, B) : null;
    const S = this.states * B * H;
    const gradInput = this.gIn.get(T * B * this.inputSize);
    this.stack.backward(gradOut.data, gradHN, gradCN, gradInput, this.gH0.get(S), this.lstm ? this.gC0.get(S) : null);
    this.reportGradsPostHoc(); // fused gradient norm: sums taken while the gradients are warm
    return { data: gradInput, shape: x.shape };
  }
}

/**
 * Elman RNN (PyTorch `nn.RNN`, batch_first = false):
 * h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh (default) or relu, over
 * {@link ops.rnnForward}; stacked, bidirectional and inter-layer dropout as {@link RecurrentOptions}
 * says. Input [seq, batch, input] → output [seq, batch, D·hidden]; the final state is `hN`. Weights
 * and biases ~ U(−1/√H, 1/√H), as PyTorch.
 */
export class RNN extends RecurrentBase {
  /** The activation. */
  readonly mode: 'tanh' | 'relu';
  /**
   * @param inputSize features per input step (integer >= 1).
   * @param hiddenSize hidden units H (integer >= 1).
   * @param options nonlinearity (default 'tanh'), bias (default true), numLayers (1), bidirectional
   *   (false), dropout (0), seed or rng.
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    checkOptions('new nn.RNN: options', options, RNN_OPTION_KEYS, NOT_YET);
    const mode = options?.nonlinearity ?? 'tanh';
    if (mode !== 'tanh' && mode !== 'relu') invalidArg('RNN options.nonlinearity', '"tanh" or "relu"', mode, typeof mode === 'string' ? 'range' : 'type');
    super('RNN', inputSize, hiddenSize, mode === 'relu' ? 'rnn_relu' : 'rnn_tanh', options);
    this.mode = mode;
  }
}

/**
 * LSTM (Hochreiter & Schmidhuber 1997; PyTorch `nn.LSTM`, batch_first = false, gates i, f, g, o),
 * over {@link ops.lstmForward}; stacked, bidirectional and inter-layer dropout as
 * {@link RecurrentOptions} says. Input [seq, batch, input] → output [seq, batch, D·hidden]; the final
 * states are `hN` and `cN`. Weights and biases ~ U(−1/√H, 1/√H), as PyTorch.
 */
export class LSTM extends RecurrentBase {
  /**
   * @param inputSize features per input step (integer >= 1).
   * @param hiddenSize hidden units H (integer >= 1).
   * @param options bias (default true), numLayers (1), bidirectional (false), dropout (0), seed or rng.
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    checkOptions('new nn.LSTM: options', options, LSTM_OPTION_KEYS, [...NOT_YET, 'projSize']);
    super('LSTM', inputSize, hiddenSize, 'lstm', options);
  }
  /** The final cell states of the last forward, [numLayers·D, batch, hidden]. */
  get cN(): Tensor {
    return this.cnTensor;
  }
  /** ∂loss/∂c0 from the last backward, [numLayers·D, batch, hidden]. */
  get gradC0(): Tensor {
    return this.gradC0Tensor;
  }
}

/**
 * GRU (Cho et al. 2014; PyTorch `nn.GRU`, batch_first = false, gates r, z, n with b_hn inside the
 * reset product: n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h), over
 * {@link ops.gruForward}; stacked, bidirectional and inter-layer dropout as {@link RecurrentOptions}
 * says. Input [seq, batch, input] → output [seq, batch, D·hidden]; the final state is `hN`. Weights
 * and biases ~ U(−1/√H, 1/√H), as PyTorch.
 */
export class GRU extends RecurrentBase {
  /**
   * @param inputSize features per input step (integer >= 1).
   * @param hiddenSize hidden units H (integer >= 1).
   * @param options bias (default true), numLayers (1), bidirectional (false), dropout (0), seed or rng.
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    checkOptions('new nn.GRU: options', options, LSTM_OPTION_KEYS, NOT_YET);
    super('GRU', inputSize, hiddenSize, 'gru', options);
  }
}
