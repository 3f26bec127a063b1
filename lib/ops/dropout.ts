/**
 * Dropout (PyTorch `F.dropout` / `F.dropout2d` in training): each group of `groupSize`
 * consecutive elements is kept with probability 1 − p and scaled by 1/(1 − p) (inverted dropout),
 * or zeroed. The keep/drop draws come from the library's seedable Rng in TypeScript, so a run is
 * reproducible from a seed and identical on both backends; only the multiply is a backend call.
 * Eval mode is the identity: call nothing.
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import { checkDim, checkDisjointPair, checkOptions, exactly, f32, optionKeys, overlaps } from '../validate/index.js';
import { defaultGenerator } from '../init/init.js';
import { Rng } from '../init/rng.js';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Drop probability, 0 <= p <= 1 (p = 1 zeroes everything, as PyTorch). */
  p: number;
  /**
   * Consecutive elements sharing one keep/drop draw: 1 = elementwise (Dropout), H·W = whole
   * channels of NCHW input (Dropout2d). Must divide x's length. Default 1.
   */
  groupSize?: number;
  /** The generator to draw from (advanced by the call); default the one `manualSeed` seeds. */
  rng?: Rng;
}

/** Options of {@link dropoutBackward}: the forward's p and groupSize. */
export interface DropoutBackwardOptions {
  /** The forward's drop probability. */
  p: number;
  /** The forward's group size; default 1. */
  groupSize?: number;
}

const DROPOUT_KEYS = optionKeys<DropoutOptions>()(['p', 'groupSize', 'rng']);
const DROPOUT_BACKWARD_KEYS = optionKeys<DropoutBackwardOptions>()(['p', 'groupSize']);

/** p, groupSize and the float32 scale 1/(1 − p) (0 when p = 1: nothing is kept). */
function common(o: Record<string, unknown>, len: number): { p: number; groupSize: number; scale: number } {
  if (typeof o.p !== 'number') invalidArg('options.p', 'a number from 0 to 1', o.p);
  const p = o.p;
  if (!(p >= 0 && p <= 1)) invalidArg('options.p', 'a number from 0 to 1', p, 'range');
  const groupSize = o.groupSize === undefined ? 1 : checkDim('options.groupSize', o.groupSize, 1);
  if (len % groupSize !== 0) invalidArg('options.groupSize', `a divisor of the input's length ${len}`, groupSize, 'range');
  return { p, groupSize, scale: p === 1 ? 0 : Math.fround(1 / (1 - p)) };
}

function checkMask(mask: unknown, groups: number, arrays: readonly [string, Float32Array][]): Uint8Array {
  if (!(mask instanceof Uint8Array)) invalidArg('mask', 'a Uint8Array', mask);
  if (mask.length !== groups) invalidArg('mask', `a Uint8Array of ${groups} elements (one byte per group)`, mask, 'range');
  for (const [name, t] of arrays) if (overlaps(mask, t)) invalidArg('mask', `an array that shares no memory with ${name}`, mask, 'range');
  return mask;
}

/**
 * Dropout forward (PyTorch `F.dropout(x, p, training=True)`; with groupSize = H·W on NCHW input,
 * `F.dropout2d`): for each group g, mask[g] = 1 with probability 1 − p (one draw per group from the
 * generator, in order: u = rng.nextFloat24(), kept when u >= p), and y = x·mask/(1 − p), with the
 * scale rounded to float32. p = 0 keeps everything and p = 1 drops everything; neither draws.
 * A dropped element is 0 even where x is NaN or ±Inf (PyTorch multiplies, giving NaN there).
 * @param x the input.
 * @param y the output, x's length; may be x itself (in place).
 * @param mask receives one byte per group (x.length / groupSize): 1 kept, 0 dropped.
 * @param options p, groupSize and the generator.
 * @returns y.
 * @throws {TypeError} wrong argument types or an unknown option.
 * @throws {RangeError} p outside [0, 1], a groupSize that does not divide x's length, wrong
 *   lengths, or overlapping arrays (other than y being x).
 */
export function dropout(x: Float32Array, y: Float32Array, mask: Uint8Array, options: DropoutOptions): Float32Array {
  const X = f32('x', x);
  const Y = f32('y', y);
  const o = checkOptions('ops.dropout: options', options, DROPOUT_KEYS);
  const { p, groupSize, scale } = common(o, X.length);
  if (o.rng !== undefined && !(o.rng instanceof Rng)) invalidArg('options.rng', 'an Rng', o.rng);
  exactly('y', Y, X.length, `y, the length of x`);
  checkDisjointPair('y', Y, 'x', X, true);
  const M = checkMask(mask, X.length / groupSize, [['x', X], ['y', Y]]);
  if (p === 0) M.fill(1);
  else if (p === 1) M.fill(0);
  else {
    const rng = (o.rng as Rng | undefined) ?? defaultGenerator();
    for (let g = 0; g < M.length; g++) M[g] = rng.nextFloat24() >= p ? 1 : 0;
  }
  getBackend().dropoutApply({ x: X, mask: M, groupSize, scale, out: Y });
  return Y;
}

/**
 * Dropout backward: gradX = gradY·mask/(1 − p) (0 where dropped), with the forward's mask, p and
 * groupSize.
 * @param gradY ∂L/∂y.
 * @param mask the forward's mask (gradY.length / groupSize bytes).
 * @param gradX ∂L/∂x, gradY's length, written; may be gradY itself (in place).
 * @param options the forward's p and groupSize.
 * @returns gradX.
 * @throws {TypeError|RangeError} as {@link dropout}.
 */
export function dropoutBackward(gradY: Float32Array, mask: Uint8Array, gradX: Float32Array, options: DropoutBackwardOptions): Float32Array {
  const GY = f32('gradY', gradY);
  const GX = f32('gradX', gradX);
  const o = checkOptions('ops.dropoutBackward: options', options, DROPOUT_BACKWARD_KEYS);
  const { groupSize, scale } = common(o, GY.length);
  exactly('gradX', GX, GY.length, 'gradX, the length of gradY');
  checkDisjointPair('gradX', GX, 'gradY', GY, true);
  const M = checkMask(mask, GY.length / groupSize, [['gradY', GY], ['gradX', GX]]);
  getBackend().dropoutApply({ x: GY, mask: M, groupSize, scale, out: GX });
  return GX;
}
