/**
 * nn.Dropout and nn.Dropout2d (PyTorch `nn.Dropout`, `nn.Dropout2d`) over ops.dropout: in training
 * each element (Dropout) or each whole channel plane (Dropout2d) is zeroed with probability p and the
 * rest scaled by 1/(1 − p) (inverted dropout); in eval mode the module is the identity. The draws come
 * from the library's seedable Rng: the module's own (`seed`), a shared one (`rng`), or by default the
 * global generator that `manualSeed()` seeds, so a run is reproducible.
 */
import { dropout, dropoutBackward } from '../ops/index.js';
import { invalidArg } from '../errors.js';
import { Rng } from '../init/rng.js';
import { Module } from './module.js';
import { Buffer, checkGrad, checkTensor, shapeError, type Tensor } from './tensor.js';
import { INIT_OPTION_KEYS, type InitOptions } from './init-options.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link Dropout} and {@link Dropout2d}: where the random draws come from. */
export type DropoutOptions = InitOptions;

const DROPOUT_OPTION_KEYS = optionKeys<DropoutOptions>()([...INIT_OPTION_KEYS]);

/** Shared plumbing: p, the generator, the reused output, mask and gradient buffers. */
abstract class DropoutBase extends Module {
  /** Drop probability, 0 <= p <= 1. */
  readonly p: number;
  private readonly rng: Rng | undefined;
  private cache: { shape: readonly number[]; groupSize: number; masked: boolean } | null = null;
  private mask = new Uint8Array(0);
  private readonly y = new Buffer();
  private readonly gx = new Buffer();

  /** @internal */
  protected constructor(label: string, p: number, options: DropoutOptions | undefined) {
    checkOptions(`new nn.${label}: options`, options, DROPOUT_OPTION_KEYS, ['inplace']);
    super();
    if (typeof p !== 'number') invalidArg(`${label} p`, 'a number in [0, 1]', p);
    if (!(p >= 0 && p <= 1)) invalidArg(`${label} p`, 'a number in [0, 1]', p, 'range');
    this.p = p;
    if (options?.seed !== undefined) this.rng = new Rng(options.seed);
    else if (options?.rng !== undefined) {
      if (!(options.rng instanceof Rng)) invalidArg(`${label} options.rng`, 'an Rng', options.rng);
      this.rng = options.rng;
    }
  }

  override toString(): string {
    return `${this.constructor.name}(p=${this.p})`;
  }

  /** @internal Elements sharing one draw for input x (checked). */
  protected abstract groupOf(x: Tensor): number;

  /**
   * Training: zeroes elements (or channels) with probability p and scales the rest by 1/(1 − p).
   * Eval: returns x itself.
   * @param x any shape for Dropout; [N, C, H, W] or [C, H, W] for Dropout2d.
   * @throws {TypeError|RangeError} not a Tensor (or the wrong rank for Dropout2d).
   */
  forward(x: Tensor): Tensor {
    checkTensor(this.where('forward', 'x'), x);
    const groupSize = this.groupOf(x);
    if (!this.training) {
      this.cache = { shape: x.shape, groupSize, masked: false };
      return x;
    }
    const groups = groupSize === 0 ? 0 : x.data.length / groupSize;
    if (this.mask.length !== groups) this.mask = new Uint8Array(groups);
    const y = this.y.get(x.data.length);
    // groupSize 0 only for an empty tensor: nothing to draw.
    if (x.data.length > 0) dropout(x.data, y, this.mask, { p: this.p, groupSize, ...(this.rng ? { rng: this.rng } : {}) });
    this.cache = { shape: x.shape, groupSize, masked: true };
    return { data: y, shape: x.shape };
  }

  /**
   * Training: gradOut × mask/(1 − p) with the last forward's mask; eval: gradOut itself.
   * @param gradOut ∂loss/∂y, x's shape.
   * @returns ∂loss/∂x.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.shape);
    if (!c.masked) return gradOut;
    const gx = this.gx.get(gradOut.data.length);
    if (gx.length > 0) dropoutBackward(gradOut.data, this.mask, gx, { p: this.p, groupSize: c.groupSize });
    return { data: gx, shape: c.shape };
  }
}

/** Elementwise dropout (PyTorch `nn.Dropout`): any shape, identity in eval mode. No parameters. */
export class Dropout extends DropoutBase {
  /**
   * @param p drop probability in [0, 1] (default 0.5).
   * @param options `seed` (the module's own generator) or `rng`; default the global generator.
   * @throws {TypeError|RangeError} p outside [0, 1] or a bad option.
   */
  constructor(p = 0.5, options?: DropoutOptions) {
    super('Dropout', p, options);
  }

  /** @internal */
  protected groupOf(): number {
    return 1;
  }
}

/**
 * Channel-wise dropout (PyTorch `nn.Dropout2d`): zeroes whole [H, W] planes of x [N, C, H, W] (or
 * [C, H, W]), as Tompson et al. 2015 for correlated feature maps; identity in eval mode.
 */
export class Dropout2d extends DropoutBase {
  /**
   * @param p probability of zeroing a channel, in [0, 1] (default 0.5).
   * @param options `seed` (the module's own generator) or `rng`; default the global generator.
   * @throws {TypeError|RangeError} p outside [0, 1] or a bad option.
   */
  constructor(p = 0.5, options?: DropoutOptions) {
    super('Dropout2d', p, options);
  }

  /** @internal */
  protected groupOf(x: Tensor): number {
    const s = x.shape;
    if (s.length !== 3 && s.length !== 4) shapeError(this.where('forward', 'x'), '[N, C, H, W] or [C, H, W]', s);
    return s[s.length - 2] * s[s.length - 1];
  }
}
