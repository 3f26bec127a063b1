/**
 * The Module base (PyTorch `nn.Module`, with an explicit backward instead of autograd). A module
 * owns named Parameters, buffers (state that is saved but not trained, e.g. BatchNorm's running
 * statistics) and child modules. `forward(x)` computes the output and caches what `backward` needs;
 * `backward(gradOut)` adds ∂loss/∂parameters into each `grad` (accumulating, as autograd does) and
 * returns ∂loss/∂x. Call `zeroGrad()` before each step's backward.
 *
 * Parameters are allocated per module at construction; `paramStore()` on the root module packs them
 * all into one flat ParamStore (one call, before creating the optimiser; the Trainer does it), after
 * which clipping and optimiser steps run over one contiguous range.
 */
import { GradGuardError, invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import { createParamStore, type ParamStore } from '../param-store.js';
import { Parameter } from './parameter.js';
import { encodeFloat32, loadIntoSlots, type StateDict, type StateSlot } from './state-dict.js';
import type { Tensor } from './tensor.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link Module.stateDict}. */
export interface StateDictOptions {
  /** 'base64' (default, compact and JSON-safe), 'array' (number arrays) or 'float32' (copies). */
  encoding?: 'base64' | 'array' | 'float32';
}

const STATE_DICT_OPTION_KEYS = optionKeys<StateDictOptions>()(['encoding']);

/** Gradients up to this many elements (1 MiB) are summed right after their backward, cache-warm. */
const POST_HOC_MAX_ELEMENTS = 1 << 18;

/**
 * Base class of every layer (PyTorch `nn.Module`, with an explicit backward instead of autograd).
 * A module owns named Parameters, buffers (saved but not trained, e.g. BatchNorm's running
 * statistics) and child modules. `forward(x)` computes the output and caches what `backward` needs;
 * `backward(gradOut)` adds ∂loss/∂parameters into each `grad` (accumulating, as autograd does) and
 * returns ∂loss/∂x. Call `zeroGrad()` before each step's backward. Outputs are the module's own
 * reused buffers: valid until its next forward (or backward, for gradients).
 *
 * Parameters are allocated per module at construction; `paramStore()` on the root module packs them
 * all into one flat ParamStore (once, before creating the optimiser; the Trainer does it), after
 * which clipping and optimiser steps run over one contiguous range.
 */
export abstract class Module {
  /** True in training mode (the default); eval() clears it. Affects BatchNorm. */
  training = true;
  private readonly ownParams = new Map<string, Parameter>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownChildren = new Map<string, Module>();
  private packed: ParamStore | null = null;

  /**
   * Computes the output from x, caching what backward needs. The output is the module's own buffer.
   * @param x the input; see each module for the shape it takes.
   * @throws {TypeError|RangeError} x is not a Tensor of the expected shape (the message names the module).
   */
  abstract forward(x: Tensor): Tensor;

  /**
   * Given ∂loss/∂output of the last forward, accumulates ∂loss/∂parameters into their `grad` and
   * returns ∂loss/∂x (the module's own buffer).
   * @param gradOut ∂loss/∂output, the shape of the last forward's output.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` when called before any forward.
   * @throws {TypeError|RangeError} gradOut is not a Tensor of the output's shape.
   */
  abstract backward(gradOut: Tensor): Tensor;

  /** A short description used in error messages, e.g. `Linear(4→3)`. */
  toString(): string {
    return this.constructor.name;
  }

  /** @internal `Label.method(arg)`, the prefix of this module's argument errors. */
  protected where(method: string, arg: string): string {
    return `${this.toString()}.${method}(${arg})`;
  }

  /** @internal Throws when backward is called with nothing cached. */
  protected noForward(): never {
    throw new GradGuardError(`${this.toString()}.backward: called before forward (nothing cached)`, 'ERR_GRADGUARD_NO_FORWARD');
  }

  /** @internal Declares a parameter (zero-filled; the subclass initialises it). */
  protected addParameter(name: string, shape: readonly number[]): Parameter {
    const p = new Parameter(name, shape);
    this.ownParams.set(name, p);
    return p;
  }

  /**
   * @internal For layers whose kernels do not return their gradients' sums of squares: reports
   * Σ g² of this module's own packed parameters' gradients to the store's fused norms, computed
   * now, right after the backward wrote them (still in cache), in one native norm call. A gradient
   * over 1 MiB is left unreported (a step then takes the read pass rather than a second one here).
   */
  protected reportGradsPostHoc(): void {
    const ps: Parameter[] = [];
    for (const p of this.ownParams.values()) if (p.store !== null && p.grad.length <= POST_HOC_MAX_ELEMENTS) ps.push(p);
    if (ps.length === 0) return;
    const per = new Float64Array(ps.length);
    getBackend().norm({ views: ps.map((p) => p.grad), flat: null }, 2, per);
    for (let i = 0; i < ps.length; i++) ps[i].reportGradSumSquares(per[i] * per[i]);
  }

  /** @internal Declares a buffer (saved in the state dict, not trained). */
  protected addBuffer(name: string, shape: readonly number[], fill = 0): Float32Array {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill);
    this.ownBuffers.set(name, { data, shape: [...shape] });
    return data;
  }

  /** @internal Registers a child module under `name` (its parameters become `name.…`). */
  protected addModule<M extends Module>(name: string, m: M): M {
    if (!(m instanceof Module)) invalidArg(`${this.toString()} child "${name}"`, 'a Module', m);
    this.ownChildren.set(name, m);
    return m;
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.ownChildren];
  }

  /**
   * Every parameter with its dotted name from this module ("0.weight"), depth first, in order.
   * @param prefix prepended to every name (default '').
   */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, c] of this.ownChildren) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every parameter (each `{ name, shape, data, grad }`), in namedParameters order. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Every buffer with its dotted name (e.g. "1.running_mean").
   * @param prefix prepended to every name (default '').
   */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this.ownBuffers) out.push([prefix + n, b]);
    for (const [n, c] of this.ownChildren) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.data.length, 0);
  }

  /**
   * Sets training mode on this module and every descendant (PyTorch `train()`).
   * @param mode true for training (default), false for evaluation.
   * @returns this.
   * @throws {TypeError} mode is not a boolean.
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') invalidArg(`${this.toString()}.train(mode)`, 'a boolean', mode);
    this.training = mode;
    for (const c of this.ownChildren.values()) c.train(mode);
    return this;
  }

  /** Evaluation mode (BatchNorm uses its running statistics). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Packs every parameter of this module (the root) into one flat ParamStore and returns it; later
   * calls return the same store. Values and gradients are kept; each Parameter's data/grad become
   * views into the store. Pass the store to the optimiser (`new Adam(model.paramStore())`). Packing a
   * parent after a child repacks the child's parameters too: pack the root, once, before training.
   * @throws {GradGuardError} `ERR_GRADGUARD_PACKED` when called on a module whose parameters are
   *   already packed into an enclosing module's store.
   */
  paramStore(): ParamStore {
    const named = this.namedParameters();
    if (this.packed && named.every(([, p]) => p.store === this.packed)) return this.packed;
    // Parameters already packed together by an enclosing module: moving them out would break that
    // store's contiguity (and its optimiser) silently. A store made by this module or one of its
    // descendants is ours to replace (packing a parent after a child).
    const first = named[0]?.[1].store;
    if (first && named.every(([, p]) => p.store === first) && !this.packedHereOrBelow(first)) {
      throw new GradGuardError(`${this.toString()}.paramStore(): the parameters are already packed into an enclosing module's store; call paramStore() on the root module`, 'ERR_GRADGUARD_PACKED');
    }
    const store = createParamStore(named.map(([, p]) => p.shape));
    named.forEach(([name, p], i) => {
      store.params.views[i].set(p.data);
      store.grads.views[i].set(p.grad);
      p.data = store.params.views[i];
      p.grad = store.grads.views[i];
      p.store = store;
      p.storeIndex = i;
      p.name = name;
    });
    this.packed = store;
    return store;
  }

  private packedHereOrBelow(store: ParamStore): boolean {
    return this.packed === store || [...this.ownChildren.values()].some((c) => c.packedHereOrBelow(store));
  }

  /**
   * Sets every parameter's gradient to zero (one memory pass when packed). When packed this starts
   * a new generation of the store's fused gradient norms (ParamStore.gradNorms).
   */
  zeroGrad(): void {
    const named = this.parameters();
    if (this.packed && named.every((p) => p.store === this.packed)) {
      this.packed.grads.zero();
      return;
    }
    for (const p of named) {
      p.grad.fill(0);
      p.store?.gradNorms.invalidate(); // part of a store zeroed: its fused norms no longer hold
    }
  }

  /**
   * The parameters and buffers by dotted name (PyTorch `state_dict`), copies, JSON-safe by default:
   * `JSON.stringify(model.stateDict())` is a checkpoint.
   * @param options `encoding` of the data (default 'base64').
   * @throws {RangeError} an unknown encoding.
   */
  stateDict(options?: StateDictOptions): StateDict {
    checkOptions(`${this.toString()}.stateDict(options)`, options, STATE_DICT_OPTION_KEYS);
    const encoding = options?.encoding ?? 'base64';
    if (encoding !== 'base64' && encoding !== 'array' && encoding !== 'float32') invalidArg('options.encoding', '"base64", "array" or "float32"', encoding, 'range');
    const out: StateDict = {};
    for (const [key, { shape, data }] of this.stateSlots()) {
      const copy = encoding === 'base64' ? encodeFloat32(data) : encoding === 'array' ? Array.from(data) : data.slice();
      out[key] = { shape: [...shape], data: copy };
    }
    return out;
  }

  /**
   * Loads a state dict (from stateDict(), JSON.parse of it, or a checkpoint). Checked in full
   * before anything is written.
   * @param stateDict dotted names to `{ shape, data }` (base64, number array or Float32Array data).
   * @param options `strict`.
   * @param options.strict default true: missing or unexpected keys are errors.
   * @throws {StateDictError} naming the first missing, unexpected or mis-shaped key.
   */
  loadStateDict(stateDict: StateDict, options?: { strict?: boolean }): void {
    checkOptions(`${this.toString()}.loadStateDict(options)`, options, optionKeys<NonNullable<typeof options>>()(['strict']));
    loadIntoSlots(stateDict, this.slotMap(), options?.strict ?? true);
  }

  /** @internal Parameters then buffers, per module, depth first (PyTorch's order). */
  stateSlots(): [string, Tensor][] {
    return this.collectSlots('');
  }

  private collectSlots(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, { data: p.data, shape: p.shape }]);
    for (const [n, b] of this.ownBuffers) out.push([prefix + n, b]);
    for (const [n, c] of this.ownChildren) out.push(...c.collectSlots(`${prefix}${n}.`));
    return out;
  }

  /** @internal */
  slotMap(): Map<string, StateSlot> {
    return new Map(this.stateSlots().map(([k, t]) => [k, { shape: t.shape, target: t.data }]));
  }
}
