/**
 * Weight initialisers with PyTorch `torch.nn.init` semantics (fans, gains, bounds), in place on a
 * Float32Array with a PyTorch-layout shape (Linear `[out, in]`, conv `[out, in, ...kernel]`).
 * Pure TypeScript and driven by the seedable Rng, so a seed gives the same weights on every backend.
 * Random draws: uniform from 24-bit floats; normal by Box–Muller in float64.
 * Over 300 lines on purpose: it mirrors one PyTorch module (torch/nn/init.py), whose functions
 * share the fan/gain helpers, each with the full TSDoc the API reference requires.
 */
import { invalidArg } from '../errors.js';
import { checkFloat32Array, checkOptions, optionKeys } from '../validate/index.js';
import { Rng } from './rng.js';

/** The nonlinearities {@link calculateGain} knows, with PyTorch's names. */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Options shared by the random initialisers: a seed or a generator (else the module default generator). */
export interface RandomOptions {
  /** Seed for a fresh generator (the same seed gives the same weights). */
  seed?: number;
  /** A generator to draw from (advanced by the call); used when no seed is given. */
  rng?: Rng;
}

const RANDOM_KEYS = optionKeys<RandomOptions>()(['seed', 'rng']);

let defaultRng = new Rng(0);

/**
 * Re-seeds the default generator used when neither `seed` nor `rng` is given (PyTorch `manual_seed`).
 * The default generator starts from seed 0.
 * @param seed an integer from 0 to 2^53 − 1.
 * @throws {TypeError|RangeError} for any other seed.
 */
export function manualSeed(seed: number): void {
  defaultRng = new Rng(seed);
}

/**
 * The default generator that {@link manualSeed} re-seeds (what the initialisers and `ops.dropout`
 * draw from when given no `seed` or `rng`). It is replaced, not re-seeded in place, by manualSeed.
 * @returns the current default generator.
 */
export function defaultGenerator(): Rng {
  return defaultRng;
}

function rngOf(o: Record<string, unknown>): Rng {
  if (o.seed !== undefined) return new Rng(o.seed as number);
  if (o.rng !== undefined) {
    if (!(o.rng instanceof Rng)) invalidArg('options.rng', 'an Rng', o.rng);
    return o.rng;
  }
  return defaultRng;
}

function checkShape(tensor: unknown, shape: unknown): number {
  checkFloat32Array('tensor', tensor);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) invalidArg('shape', 'an array of non-negative integers', shape);
  const n = (shape as number[]).reduce((a, b) => a * b, 1);
  if (n !== tensor.length) invalidArg('shape', `a shape of ${tensor.length} elements (the tensor's length)`, shape, 'range');
  return n;
}

/**
 * PyTorch `_calculate_fan_in_and_fan_out`: `fanIn = shape[1]·receptive`, `fanOut = shape[0]·receptive`,
 * where `receptive` is the product of `shape[2..]`.
 * @param shape a PyTorch-layout shape with >= 2 dimensions (`[out, in, ...kernel]`).
 * @throws {RangeError} fewer than 2 dimensions.
 */
export function calculateFans(shape: readonly number[]): {
  /** Inputs per output unit. */
  fanIn: number;
  /** Outputs per input unit. */
  fanOut: number;
} {
  if (!Array.isArray(shape) || shape.length < 2) invalidArg('shape', 'at least 2 dimensions to compute fan in and fan out', shape, 'range');
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * PyTorch `calculate_gain`: 1 for linear/conv/sigmoid, 5/3 tanh, √2 relu, √(2 / (1 + slope²)) leaky_relu
 * (slope `param`, default 0.01), 3/4 selu.
 * @param nonlinearity the activation after the layer.
 * @param param leaky_relu's negative slope (ignored for the others).
 * @throws {RangeError} an unknown nonlinearity or a non-finite slope.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param === undefined ? 0.01 : param;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) invalidArg('param', 'a finite negative slope', param, typeof slope === 'number' ? 'range' : 'type');
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return invalidArg('nonlinearity', 'one of linear, conv*, sigmoid, tanh, relu, leaky_relu, selu', nonlinearity, 'range');
  }
}

function fillUniform(t: Float32Array, lo: number, hi: number, rng: Rng): void {
  const w = hi - lo;
  for (let i = 0; i < t.length; i++) t[i] = lo + w * rng.nextFloat24();
}

function fillNormal(t: Float32Array, mean: number, std: number, rng: Rng): void {
  const n = t.length;
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.nextDouble(); // (0, 1]
    const u2 = rng.nextDouble();
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    t[i] = mean + std * r * Math.cos(a);
    if (i + 1 < n) t[i + 1] = mean + std * r * Math.sin(a);
  }
}

function finite(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!Number.isFinite(v)) invalidArg(name, 'a finite number', v, 'range');
  return v;
}

/**
 * Fills with U(a, b) (PyTorch `uniform_`). Values are 24-bit floats drawn from the generator.
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `a` (default 0), `b` (default 1, >= a), and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match, non-finite bounds or b < a.
 */
export function uniform(tensor: Float32Array, shape: readonly number[], options?: RandomOptions & { a?: number; b?: number }): Float32Array {
  checkShape(tensor, shape);
  const o = checkOptions('uniform: options', options, optionKeys<NonNullable<typeof options>>()([...RANDOM_KEYS, 'a', 'b']));
  const a = finite('options.a', o.a, 0);
  const b = finite('options.b', o.b, 1);
  if (!(a <= b)) invalidArg('options.b', `a number >= a (${a})`, b, 'range');
  fillUniform(tensor, a, b, rngOf(o));
  return tensor;
}

/**
 * Fills with N(mean, std²) (PyTorch `normal_`), by Box–Muller in float64.
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `mean` (default 0), `std` (default 1, >= 0), and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match, a non-finite mean or std, or std < 0.
 */
export function normal(tensor: Float32Array, shape: readonly number[], options?: RandomOptions & { mean?: number; std?: number }): Float32Array {
  checkShape(tensor, shape);
  const o = checkOptions('normal: options', options, optionKeys<NonNullable<typeof options>>()([...RANDOM_KEYS, 'mean', 'std']));
  const mean = finite('options.mean', o.mean, 0);
  const std = finite('options.std', o.std, 1);
  if (!(std >= 0)) invalidArg('options.std', 'a number >= 0', std, 'range');
  fillNormal(tensor, mean, std, rngOf(o));
  return tensor;
}

/**
 * Fills with zeros (PyTorch `zeros_`).
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match.
 */
export function zeros(tensor: Float32Array, shape: readonly number[]): Float32Array {
  checkShape(tensor, shape);
  tensor.fill(0);
  return tensor;
}

/**
 * Glorot/Xavier uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)) (Glorot & Bengio 2010;
 * PyTorch `xavier_uniform_`).
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `gain` (default 1), and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match or has fewer than 2 dimensions, bad options.
 */
export function xavierUniform(tensor: Float32Array, shape: readonly number[], options?: RandomOptions & { gain?: number }): Float32Array {
  checkShape(tensor, shape);
  const o = checkOptions('xavierUniform: options', options, optionKeys<NonNullable<typeof options>>()([...RANDOM_KEYS, 'gain']));
  const { fanIn, fanOut } = calculateFans(shape);
  const std = finite('options.gain', o.gain, 1) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  fillUniform(tensor, -a, a, rngOf(o));
  return tensor;
}

/**
 * Glorot/Xavier normal: N(0, std²), std = gain·√(2 / (fanIn + fanOut)) (PyTorch `xavier_normal_`).
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `gain` (default 1), and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match or has fewer than 2 dimensions, bad options.
 */
export function xavierNormal(tensor: Float32Array, shape: readonly number[], options?: RandomOptions & { gain?: number }): Float32Array {
  checkShape(tensor, shape);
  const o = checkOptions('xavierNormal: options', options, optionKeys<NonNullable<typeof options>>()([...RANDOM_KEYS, 'gain']));
  const { fanIn, fanOut } = calculateFans(shape);
  fillNormal(tensor, 0, finite('options.gain', o.gain, 1) * Math.sqrt(2 / (fanIn + fanOut)), rngOf(o));
  return tensor;
}

/** Options of the Kaiming initialisers (PyTorch defaults: a = 0, mode 'fan_in', leaky_relu). */
export interface KaimingOptions extends RandomOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). Default 0. */
  a?: number;
  /** 'fan_in' preserves the forward pass's variance, 'fan_out' the backward pass's. Default 'fan_in'. */
  mode?: 'fan_in' | 'fan_out';
  /** The activation after this layer, for the gain. Default 'leaky_relu' (with slope `a`, so √2 when a = 0). */
  nonlinearity?: Nonlinearity;
}

const KAIMING_KEYS = optionKeys<KaimingOptions>()(['seed', 'rng', 'a', 'mode', 'nonlinearity']);

function kaimingStd(shape: readonly number[], o: Record<string, unknown>): number {
  const mode = o.mode === undefined ? 'fan_in' : o.mode;
  if (mode !== 'fan_in' && mode !== 'fan_out') invalidArg('options.mode', '"fan_in" or "fan_out"', mode, 'range');
  const { fanIn, fanOut } = calculateFans(shape);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  const gain = calculateGain((o.nonlinearity ?? 'leaky_relu') as Nonlinearity, finite('options.a', o.a, 0));
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(−b, b), b = gain·√(3 / fan) (He et al. 2015; PyTorch `kaiming_uniform_`).
 * A zero fan gives zeros.
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `a`, `mode`, `nonlinearity`, and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match or has fewer than 2 dimensions, bad mode or nonlinearity.
 */
export function kaimingUniform(tensor: Float32Array, shape: readonly number[], options?: KaimingOptions): Float32Array {
  checkShape(tensor, shape);
  const o = checkOptions('kaimingUniform: options', options, KAIMING_KEYS);
  const b = Math.sqrt(3) * kaimingStd(shape, o);
  fillUniform(tensor, -b, b, rngOf(o));
  return tensor;
}

/**
 * He/Kaiming normal: N(0, std²), std = gain / √fan (PyTorch `kaiming_normal_`). A zero fan gives zeros.
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `a`, `mode`, `nonlinearity`, and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match or has fewer than 2 dimensions, bad mode or nonlinearity.
 */
export function kaimingNormal(tensor: Float32Array, shape: readonly number[], options?: KaimingOptions): Float32Array {
  checkShape(tensor, shape);
  const o = checkOptions('kaimingNormal: options', options, KAIMING_KEYS);
  fillNormal(tensor, 0, kaimingStd(shape, o), rngOf(o));
  return tensor;
}

/**
 * (Semi-)orthogonal init (Saxe et al. 2013; PyTorch `orthogonal_`): a normal matrix of
 * rows = shape[0] × cols = numel / rows is orthonormalised in float64 by modified Gram–Schmidt (on
 * its columns when rows >= cols, else on its rows), which equals PyTorch's QR with the sign fix
 * (R's diagonal positive), then scaled by `gain`. Rows (or columns) come out orthonormal: WᵀW = gain²·I.
 * @param tensor the tensor to fill, in place.
 * @param shape its PyTorch-layout shape (the product must equal `tensor.length`).
 * @param options `gain` (default 1), and `seed` or `rng`.
 * @returns `tensor`.
 * @throws {TypeError|RangeError} a shape that does not match or has fewer than 2 dimensions, bad gain.
 */
export function orthogonal(tensor: Float32Array, shape: readonly number[], options?: RandomOptions & { gain?: number }): Float32Array {
  const n = checkShape(tensor, shape);
  if (!Array.isArray(shape) || shape.length < 2) invalidArg('shape', 'at least 2 dimensions', shape, 'range');
  const o = checkOptions('orthogonal: options', options, optionKeys<NonNullable<typeof options>>()([...RANDOM_KEYS, 'gain']));
  const gain = finite('options.gain', o.gain, 1);
  if (n === 0) return tensor;
  const rows = shape[0];
  const cols = n / rows;
  const rng = rngOf(o);
  const tmp = new Float32Array(n);
  fillNormal(tmp, 0, 1, rng);
  // Vectors to orthonormalise: columns when tall (k = cols vectors of length rows), else rows.
  const tall = rows >= cols;
  const k = tall ? cols : rows;
  const len = tall ? rows : cols;
  const v = new Float64Array(n); // v[j*len + i]: element i of vector j
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = tmp[r * cols + c];
      if (tall) v[c * len + r] = x;
      else v[r * len + c] = x;
    }
  }
  for (let j = 0; j < k; j++) {
    const vj = j * len;
    for (let pass = 0; pass < 2; pass++) {
      // Two MGS passes ("twice is enough") keep the result orthogonal to float64 precision.
      for (let q = 0; q < j; q++) {
        const vq = q * len;
        let dot = 0;
        for (let i = 0; i < len; i++) dot += v[vq + i] * v[vj + i];
        for (let i = 0; i < len; i++) v[vj + i] -= dot * v[vq + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += v[vj + i] * v[vj + i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < len; i++) v[vj + i] = norm > 0 ? v[vj + i] / norm : 0;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) tensor[r * cols + c] = gain * (tall ? v[c * len + r] : v[r * len + c]);
  }
  return tensor;
}
