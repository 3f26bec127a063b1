/**
 * nn.Conv2d and nn.Conv1d (PyTorch `torch.nn.Conv2d` / `Conv1d`): cross-correlation over NCHW / NCL
 * inputs with stride, padding, dilation and groups, over ops.conv2dForward/Backward and
 * ops.conv1dForward/Backward. Weight [out, in/groups, kh, kw] (or [out, in/groups, k]) and bias [out],
 * initialised as PyTorch does: kaiming_uniform(a = √5) on the weight, bias ~ U(±1/√fanIn) with
 * fanIn = in/groups · kernel area.
 */
import { kaimingUniform, uniform, type RandomOptions } from '../init/init.js';
import { conv1dBackward, conv1dForward, conv2dBackward, conv2dForward } from '../ops/index.js';
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { Buffer, checkGrad, formatShape, type Tensor } from './tensor.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { channelsFirst, checkInt, checkPair, outShape, type ChannelsFirst, type Pair } from './spatial.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link Conv2d}: geometry, bias, and the seed or generator of the initial weights. */
export interface Conv2dOptions extends InitOptions {
  /** Step of the window, an int or [h, w] (>= 1). Default 1. */
  stride?: Pair;
  /** Zeros added on each side, an int or [h, w] (>= 0). Default 0. */
  padding?: Pair;
  /** Spacing of the kernel taps, an int or [h, w] (>= 1). Default 1. */
  dilation?: Pair;
  /** Channel groups; must divide inChannels and outChannels (groups = inChannels: depthwise). Default 1. */
  groups?: number;
  /** Learn an additive bias per output channel. Default true. */
  bias?: boolean;
}

/** Options of {@link Conv1d}: as {@link Conv2dOptions} with one spatial axis. */
export interface Conv1dOptions extends InitOptions {
  /** Step of the window (>= 1). Default 1. */
  stride?: number;
  /** Zeros added on each side (>= 0). Default 0. */
  padding?: number;
  /** Spacing of the kernel taps (>= 1). Default 1. */
  dilation?: number;
  /** Channel groups; must divide inChannels and outChannels. Default 1. */
  groups?: number;
  /** Learn an additive bias per output channel. Default true. */
  bias?: boolean;
}

const CONV_OPTION_KEYS = optionKeys<Conv2dOptions>()([...INIT_OPTION_KEYS, 'stride', 'padding', 'dilation', 'groups', 'bias']);
const CONV1D_OPTION_KEYS = optionKeys<Conv1dOptions>()([...INIT_OPTION_KEYS, 'stride', 'padding', 'dilation', 'groups', 'bias']);

/** Output length of one axis (PyTorch's formula); < 1 when the kernel exceeds the padded input. */
const outLen = (n: number, k: number, s: number, p: number, d: number): number => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

/** Checks groups against both channel counts (PyTorch raises the same). */
function checkGroups(label: string, groups: unknown, inC: number, outC: number): number {
  const g = checkInt(`${label} options.groups`, groups ?? 1, 1);
  if (inC % g !== 0 || outC % g !== 0) invalidArg(`${label} options.groups`, `a divisor of inChannels ${inC} and outChannels ${outC}`, g, 'range');
  return g;
}

/** PyTorch's reset_parameters of _ConvNd: kaiming_uniform(a = √5), bias U(±1/√fanIn). */
function initConv(weight: Parameter, bias: Parameter | null, r: RandomOptions): void {
  kaimingUniform(weight.data, weight.shape, { ...r, a: Math.sqrt(5) });
  const fanIn = weight.shape.slice(1).reduce((a, b) => a * b, 1);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  if (bias) uniform(bias.data, bias.shape, { ...r, a: -bound, b: bound });
}

/**
 * 2-D convolution (PyTorch `nn.Conv2d`): x [N, Cin, H, W] (or unbatched [Cin, H, W]) →
 * y [N, Cout, OH, OW], OH = ⌊(H + 2·pad − dil·(kh − 1) − 1)/stride⌋ + 1. Parameters "weight"
 * [Cout, Cin/groups, kh, kw] and "bias" [Cout] (unless `bias: false`).
 */
export class Conv2d extends Module {
  /** Input channels Cin. */
  readonly inChannels: number;
  /** Output channels Cout. */
  readonly outChannels: number;
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw]. */
  readonly stride: readonly [number, number];
  /** [ph, pw]. */
  readonly padding: readonly [number, number];
  /** [dh, dw]. */
  readonly dilation: readonly [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** W [Cout, Cin/groups, kh, kw]. */
  readonly weight: Parameter;
  /** b [Cout], or null without bias. */
  readonly bias: Parameter | null;
  private cache: { x: Tensor; f: ChannelsFirst; oh: number; ow: number; yShape: number[] } | null = null;
  private readonly y = new Buffer();
  private readonly gx = new Buffer();

  /**
   * Weight ~ kaiming_uniform(a = √5) (U(±1/√fanIn)), bias ~ U(±1/√fanIn): PyTorch's default.
   * @param inChannels Cin (integer >= 1).
   * @param outChannels Cout (integer >= 1).
   * @param kernelSize an int or [kh, kw] (>= 1).
   * @param options stride, padding, dilation, groups, bias, seed or rng.
   * @throws {TypeError|RangeError} a bad size or option; groups not dividing both channel counts.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options?: Conv2dOptions) {
    checkOptions('new nn.Conv2d: options', options, CONV_OPTION_KEYS, ['paddingMode']);
    super();
    this.inChannels = checkSize('Conv2d inChannels', inChannels);
    this.outChannels = checkSize('Conv2d outChannels', outChannels);
    this.kernelSize = checkPair('Conv2d kernelSize', kernelSize, 1);
    this.stride = checkPair('Conv2d options.stride', options?.stride ?? 1, 1);
    this.padding = checkPair('Conv2d options.padding', options?.padding ?? 0, 0);
    this.dilation = checkPair('Conv2d options.dilation', options?.dilation ?? 1, 1);
    this.groups = checkGroups('Conv2d', options?.groups, inChannels, outChannels);
    const r = randomOptions('Conv2d', options);
    this.weight = this.addParameter('weight', [outChannels, inChannels / this.groups, ...this.kernelSize]);
    this.bias = options?.bias === false ? null : this.addParameter('bias', [outChannels]);
    initConv(this.weight, this.bias, r);
  }

  override toString(): string {
    const [kh, kw] = this.kernelSize;
    const extra = (name: string, v: readonly number[], dflt: number) => (v[0] === dflt && v[1] === dflt ? '' : `, ${name}=${v[0] === v[1] ? v[0] : `[${v.join(', ')}]`}`);
    const k = kh === kw ? `${kh}` : `[${kh}, ${kw}]`;
    return `Conv2d(${this.inChannels}→${this.outChannels}, k=${k}${extra('stride', this.stride, 1)}${extra('padding', this.padding, 0)}${extra('dilation', this.dilation, 1)}${this.groups > 1 ? `, groups=${this.groups}` : ''})`;
  }

  private opts(f: ChannelsFirst) {
    return { batch: f.n, inChannels: this.inChannels, outChannels: this.outChannels, height: f.dims[0], width: f.dims[1], kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  /**
   * x [N, Cin, H, W] → y [N, Cout, OH, OW] (unbatched [Cin, H, W] → [Cout, OH, OW]).
   * @param x the input; its channel count must be inChannels.
   * @throws {TypeError|RangeError} not a Tensor; wrong rank or channel count; the dilated kernel
   *   larger than the padded input.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    const f = channelsFirst(where, x, 2, this.inChannels);
    const [h, w] = f.dims;
    const oh = outLen(h, this.kernelSize[0], this.stride[0], this.padding[0], this.dilation[0]);
    const ow = outLen(w, this.kernelSize[1], this.stride[1], this.padding[1], this.dilation[1]);
    if (oh < 1 || ow < 1) {
      invalidArg(where, `a padded input (${h}+2·${this.padding[0]})×(${w}+2·${this.padding[1]}) at least as large as the dilated kernel ${this.dilation[0] * (this.kernelSize[0] - 1) + 1}×${this.dilation[1] * (this.kernelSize[1] - 1) + 1}`, `shape ${formatShape(x.shape)}`, 'range');
    }
    const y = this.y.get(f.n * this.outChannels * oh * ow);
    conv2dForward(x.data, this.weight.data, this.bias?.data ?? null, y, this.opts(f));
    const yShape = outShape(f, this.outChannels, [oh, ow]);
    this.cache = { x, f, oh, ow, yShape };
    return { data: y, shape: yShape };
  }

  /**
   * Accumulates weight.grad and bias.grad; returns ∂loss/∂x.
   * @param gradOut ∂loss/∂y, the shape of the last forward's output.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from the output's.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.yShape);
    const gradX = this.gx.get(c.x.data.length);
    conv2dBackward(c.x.data, this.weight.data, gradOut.data, { gradX, gradWeight: this.weight.grad, gradBias: this.bias?.grad ?? null }, { ...this.opts(c.f), accumulate: true });
    this.reportGradsPostHoc(); // fused gradient norm: sums taken while the gradients are warm
    return { data: gradX, shape: c.x.shape };
  }
}

/**
 * 1-D convolution (PyTorch `nn.Conv1d`): x [N, Cin, L] (or unbatched [Cin, L]) → y [N, Cout, Lout],
 * Lout = ⌊(L + 2·pad − dil·(k − 1) − 1)/stride⌋ + 1. Parameters "weight" [Cout, Cin/groups, k] and
 * "bias" [Cout] (unless `bias: false`).
 */
export class Conv1d extends Module {
  /** Input channels Cin. */
  readonly inChannels: number;
  /** Output channels Cout. */
  readonly outChannels: number;
  /** Kernel length k. */
  readonly kernelSize: number;
  /** Step of the window. */
  readonly stride: number;
  /** Zeros on each side. */
  readonly padding: number;
  /** Spacing of the taps. */
  readonly dilation: number;
  /** Channel groups. */
  readonly groups: number;
  /** W [Cout, Cin/groups, k]. */
  readonly weight: Parameter;
  /** b [Cout], or null without bias. */
  readonly bias: Parameter | null;
  private cache: { x: Tensor; f: ChannelsFirst; yShape: number[] } | null = null;
  private readonly y = new Buffer();
  private readonly gx = new Buffer();

  /**
   * Weight ~ kaiming_uniform(a = √5), bias ~ U(±1/√fanIn): PyTorch's default.
   * @param inChannels Cin (integer >= 1).
   * @param outChannels Cout (integer >= 1).
   * @param kernelSize k (integer >= 1).
   * @param options stride, padding, dilation, groups, bias, seed or rng.
   * @throws {TypeError|RangeError} a bad size or option; groups not dividing both channel counts.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number, options?: Conv1dOptions) {
    checkOptions('new nn.Conv1d: options', options, CONV1D_OPTION_KEYS, ['paddingMode']);
    super();
    this.inChannels = checkSize('Conv1d inChannels', inChannels);
    this.outChannels = checkSize('Conv1d outChannels', outChannels);
    this.kernelSize = checkInt('Conv1d kernelSize', kernelSize, 1);
    this.stride = checkInt('Conv1d options.stride', options?.stride ?? 1, 1);
    this.padding = checkInt('Conv1d options.padding', options?.padding ?? 0, 0);
    this.dilation = checkInt('Conv1d options.dilation', options?.dilation ?? 1, 1);
    this.groups = checkGroups('Conv1d', options?.groups, inChannels, outChannels);
    const r = randomOptions('Conv1d', options);
    this.weight = this.addParameter('weight', [outChannels, inChannels / this.groups, this.kernelSize]);
    this.bias = options?.bias === false ? null : this.addParameter('bias', [outChannels]);
    initConv(this.weight, this.bias, r);
  }

  override toString(): string {
    const opt = (name: string, v: number, dflt: number) => (v === dflt ? '' : `, ${name}=${v}`);
    return `Conv1d(${this.inChannels}→${this.outChannels}, k=${this.kernelSize}${opt('stride', this.stride, 1)}${opt('padding', this.padding, 0)}${opt('dilation', this.dilation, 1)}${opt('groups', this.groups, 1)})`;
  }

  private opts(f: ChannelsFirst) {
    return { batch: f.n, inChannels: this.inChannels, outChannels: this.outChannels, length: f.dims[0], kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  /**
   * x [N, Cin, L] → y [N, Cout, Lout] (unbatched [Cin, L] → [Cout, Lout]).
   * @param x the input; its channel count must be inChannels.
   * @throws {TypeError|RangeError} not a Tensor; wrong rank or channel count; the dilated kernel
   *   longer than the padded input.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    const f = channelsFirst(where, x, 1, this.inChannels);
    const len = f.dims[0];
    const lo = outLen(len, this.kernelSize, this.stride, this.padding, this.dilation);
    if (lo < 1) invalidArg(where, `a padded length ${len}+2·${this.padding} at least the dilated kernel's ${this.dilation * (this.kernelSize - 1) + 1}`, `shape ${formatShape(x.shape)}`, 'range');
    const y = this.y.get(f.n * this.outChannels * lo);
    conv1dForward(x.data, this.weight.data, this.bias?.data ?? null, y, this.opts(f));
    const yShape = outShape(f, this.outChannels, [lo]);
    this.cache = { x, f, yShape };
    return { data: y, shape: yShape };
  }

  /**
   * Accumulates weight.grad and bias.grad; returns ∂loss/∂x.
   * @param gradOut ∂loss/∂y, the shape of the last forward's output.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from the output's.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.yShape);
    const gradX = this.gx.get(c.x.data.length);
    conv1dBackward(c.x.data, this.weight.data, gradOut.data, { gradX, gradWeight: this.weight.grad, gradBias: this.bias?.grad ?? null }, { ...this.opts(c.f), accumulate: true });
    this.reportGradsPostHoc(); // fused gradient norm: sums taken while the gradients are warm
    return { data: gradX, shape: c.x.shape };
  }
}
