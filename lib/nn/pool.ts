/**
 * Pooling modules (PyTorch `nn.MaxPool2d`, `nn.AvgPool2d`, `nn.AdaptiveAvgPool2d`) over the ops
 * kernels: x [N, C, H, W] (or unbatched [C, H, W]) → y [N, C, OH, OW], no parameters. MaxPool2d
 * keeps the winning index of each window for its backward (PyTorch `return_indices`).
 */
import {
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool2dForward,
  avgPool2dBackward,
  avgPool2dForward,
  avgPool2dOutputSize,
  maxPool2dBackward,
  maxPool2dForward,
  maxPool2dOutputSize,
} from '../ops/index.js';
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import { Buffer, checkGrad, type Tensor } from './tensor.js';
import { channelsFirst, checkPair, outShape, sizeOrThrow, type ChannelsFirst, type Pair } from './spatial.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link MaxPool2d}. */
export interface MaxPool2dOptions {
  /** Step of the window, an int or [h, w] (>= 1). Default: the kernel size. */
  stride?: Pair;
  /** Implicit −∞ padding on each side (at most half the kernel). Default 0. */
  padding?: Pair;
  /** Spacing of the window's taps (>= 1). Default 1. */
  dilation?: Pair;
  /** Round the output size up instead of down. Default false. */
  ceilMode?: boolean;
}

/** Options of {@link AvgPool2d}. */
export interface AvgPool2dOptions {
  /** Step of the window, an int or [h, w] (>= 1). Default: the kernel size. */
  stride?: Pair;
  /** Implicit zero padding on each side (at most half the kernel). Default 0. */
  padding?: Pair;
  /** Round the output size up instead of down. Default false. */
  ceilMode?: boolean;
  /** Count the padded zeros in each window's divisor. Default true. */
  countIncludePad?: boolean;
}

const MAX_KEYS = optionKeys<MaxPool2dOptions>()(['stride', 'padding', 'dilation', 'ceilMode']);
const AVG_KEYS = optionKeys<AvgPool2dOptions>()(['stride', 'padding', 'ceilMode', 'countIncludePad']);

function checkFlag(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') invalidArg(name, 'a boolean', v);
  return v;
}

const pairText = (v: readonly number[]): string => (v[0] === v[1] ? String(v[0]) : `[${v.join(', ')}]`);

/** Cached geometry of a pooling forward. */
interface PoolCache {
  x: Tensor;
  f: ChannelsFirst;
  yShape: number[];
}

/** Shared plumbing: input checks, reused output and gradient buffers, the cached input. */
abstract class Pool2d extends Module {
  /** @internal */
  protected cache: PoolCache | null = null;
  /** @internal */
  protected readonly y = new Buffer();
  /** @internal */
  protected readonly gx = new Buffer();

  /** @internal The ops' shape fields of an input. */
  protected shapeOf(f: ChannelsFirst) {
    return { batch: f.n, channels: f.c, height: f.dims[0], width: f.dims[1] };
  }

  /** @internal Checks x (rank 3 or 4) and returns its geometry. */
  protected input(x: Tensor): ChannelsFirst {
    return channelsFirst(this.where('forward', 'x'), x, 2, null);
  }

  /** @internal Checks gradOut against the last output and returns the cache. */
  protected gradInput(gradOut: Tensor): PoolCache {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.yShape);
    return c;
  }
}

/**
 * Max over each window (PyTorch `nn.MaxPool2d`); NaN propagates, the backward routes each gradient
 * to the window's first maximal element.
 */
export class MaxPool2d extends Pool2d {
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw] (the kernel size unless given). */
  readonly stride: readonly [number, number];
  /** [ph, pw]. */
  readonly padding: readonly [number, number];
  /** [dh, dw]. */
  readonly dilation: readonly [number, number];
  /** Output size rounded up. */
  readonly ceilMode: boolean;
  private indices = new Int32Array(0);

  /**
   * @param kernelSize an int or [kh, kw] (>= 1).
   * @param options stride (default kernelSize), padding, dilation, ceilMode.
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(kernelSize: Pair, options?: MaxPool2dOptions) {
    checkOptions('new nn.MaxPool2d: options', options, MAX_KEYS, ['returnIndices']);
    super();
    this.kernelSize = checkPair('MaxPool2d kernelSize', kernelSize, 1);
    this.stride = checkPair('MaxPool2d options.stride', options?.stride ?? kernelSize, 1);
    this.padding = checkPair('MaxPool2d options.padding', options?.padding ?? 0, 0);
    this.dilation = checkPair('MaxPool2d options.dilation', options?.dilation ?? 1, 1);
    this.ceilMode = checkFlag('MaxPool2d options.ceilMode', options?.ceilMode, false);
  }

  override toString(): string {
    return `MaxPool2d(k=${pairText(this.kernelSize)}, stride=${pairText(this.stride)}${this.padding[0] || this.padding[1] ? `, padding=${pairText(this.padding)}` : ''})`;
  }

  private opts(f: ChannelsFirst) {
    return { ...this.shapeOf(f), kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  /**
   * x [N, C, H, W] → y [N, C, OH, OW], the max of each window.
   * @param x rank 4 (or unbatched rank 3).
   * @throws {TypeError|RangeError} not a Tensor, wrong rank, or a window that does not fit.
   */
  forward(x: Tensor): Tensor {
    const f = this.input(x);
    const o = this.opts(f);
    const [oh, ow] = sizeOrThrow(this.where('forward', 'x'), x, () => maxPool2dOutputSize(o));
    const n = f.n * f.c * oh * ow;
    const y = this.y.get(n);
    if (this.indices.length !== n) this.indices = new Int32Array(n);
    maxPool2dForward(x.data, y, this.indices, o);
    this.cache = { x, f, yShape: outShape(f, f.c, [oh, ow]) };
    return { data: y, shape: this.cache.yShape };
  }

  /**
   * Scatters each gradient to the element its window picked.
   * @param gradOut ∂loss/∂y, the last output's shape.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.gradInput(gradOut);
    const gx = this.gx.get(c.x.data.length);
    maxPool2dBackward(gradOut.data, this.indices, gx, this.opts(c.f));
    return { data: gx, shape: c.x.shape };
  }
}

/** Mean over each window (PyTorch `nn.AvgPool2d`). */
export class AvgPool2d extends Pool2d {
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw] (the kernel size unless given). */
  readonly stride: readonly [number, number];
  /** [ph, pw]. */
  readonly padding: readonly [number, number];
  /** Output size rounded up. */
  readonly ceilMode: boolean;
  /** Padded zeros count in the divisor. */
  readonly countIncludePad: boolean;

  /**
   * @param kernelSize an int or [kh, kw] (>= 1).
   * @param options stride (default kernelSize), padding, ceilMode, countIncludePad (default true).
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(kernelSize: Pair, options?: AvgPool2dOptions) {
    checkOptions('new nn.AvgPool2d: options', options, AVG_KEYS, ['divisorOverride']);
    super();
    this.kernelSize = checkPair('AvgPool2d kernelSize', kernelSize, 1);
    this.stride = checkPair('AvgPool2d options.stride', options?.stride ?? kernelSize, 1);
    this.padding = checkPair('AvgPool2d options.padding', options?.padding ?? 0, 0);
    this.ceilMode = checkFlag('AvgPool2d options.ceilMode', options?.ceilMode, false);
    this.countIncludePad = checkFlag('AvgPool2d options.countIncludePad', options?.countIncludePad, true);
  }

  override toString(): string {
    return `AvgPool2d(k=${pairText(this.kernelSize)}, stride=${pairText(this.stride)}${this.padding[0] || this.padding[1] ? `, padding=${pairText(this.padding)}` : ''})`;
  }

  private opts(f: ChannelsFirst) {
    return { ...this.shapeOf(f), kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad };
  }

  /**
   * x [N, C, H, W] → y [N, C, OH, OW], the mean of each window.
   * @param x rank 4 (or unbatched rank 3).
   * @throws {TypeError|RangeError} not a Tensor, wrong rank, or a window that does not fit.
   */
  forward(x: Tensor): Tensor {
    const f = this.input(x);
    const o = this.opts(f);
    const [oh, ow] = sizeOrThrow(this.where('forward', 'x'), x, () => avgPool2dOutputSize(o));
    const y = this.y.get(f.n * f.c * oh * ow);
    avgPool2dForward(x.data, y, o);
    this.cache = { x, f, yShape: outShape(f, f.c, [oh, ow]) };
    return { data: y, shape: this.cache.yShape };
  }

  /**
   * Spreads each gradient evenly over its window.
   * @param gradOut ∂loss/∂y, the last output's shape.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.gradInput(gradOut);
    const gx = this.gx.get(c.x.data.length);
    avgPool2dBackward(gradOut.data, gx, this.opts(c.f));
    return { data: gx, shape: c.x.shape };
  }
}

/**
 * Mean over `outputSize` bins that tile the input (PyTorch `nn.AdaptiveAvgPool2d`; bin i covers
 * ⌊i·H/OH⌋ to ⌈(i+1)·H/OH⌉); `AdaptiveAvgPool2d(1)` is global average pooling.
 */
export class AdaptiveAvgPool2d extends Pool2d {
  /** [OH, OW]. */
  readonly outputSize: readonly [number, number];

  /**
   * @param outputSize an int or [OH, OW] (>= 1).
   * @throws {TypeError|RangeError} a bad size.
   */
  constructor(outputSize: Pair) {
    super();
    this.outputSize = checkPair('AdaptiveAvgPool2d outputSize', outputSize, 1);
  }

  override toString(): string {
    return `AdaptiveAvgPool2d(${pairText(this.outputSize)})`;
  }

  /**
   * x [N, C, H, W] → y [N, C, OH, OW].
   * @param x rank 4 (or unbatched rank 3).
   * @throws {TypeError|RangeError} not a Tensor or the wrong rank.
   */
  forward(x: Tensor): Tensor {
    const f = this.input(x);
    const [oh, ow] = this.outputSize;
    const y = this.y.get(f.n * f.c * oh * ow);
    adaptiveAvgPool2dForward(x.data, y, { ...this.shapeOf(f), outputSize: this.outputSize });
    this.cache = { x, f, yShape: outShape(f, f.c, [oh, ow]) };
    return { data: y, shape: this.cache.yShape };
  }

  /**
   * Spreads each gradient evenly over its bin.
   * @param gradOut ∂loss/∂y, the last output's shape.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.gradInput(gradOut);
    const gx = this.gx.get(c.x.data.length);
    adaptiveAvgPool2dBackward(gradOut.data, gx, { ...this.shapeOf(c.f), outputSize: this.outputSize });
    return { data: gx, shape: c.x.shape };
  }
}
