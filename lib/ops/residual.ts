/** The residual (skip-connection) add and its backward, in plain TypeScript on every backend. */
import { checkBoolean, checkDisjoint, checkDisjointPair, checkOptions, optionKeys, exactly, f32, optionalF32 } from '../validate/index.js';

/**
 * y = x + residual (a skip connection), elementwise in float32.
 * @param x the block's output.
 * @param residual the skip branch, `x.length` elements.
 * @param y the output, `x.length` elements; may be x or residual itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of y with an input.
 */
export function residualAdd(x: Float32Array, residual: Float32Array, y?: Float32Array | null): Float32Array {
  const X = f32('x', x);
  const R = f32('residual', residual);
  exactly('residual', R, X.length, 'x.length');
  const Y = y === undefined || y === null ? new Float32Array(X.length) : f32('y', y);
  exactly('y', Y, X.length, 'x.length');
  checkDisjointPair('y', Y, 'x', X, true);
  checkDisjointPair('y', Y, 'residual', R, true);
  const n = X.length;
  for (let i = 0; i < n; i++) Y[i] = X[i] + R[i];
  return Y;
}

/** Options of {@link residualAddBackward}. */
export interface ResidualBackwardOptions {
  /** Add gradY into gradX/gradResidual instead of overwriting them. Default false. */
  accumulate?: boolean;
}

const RESIDUAL_BACKWARD_KEYS = optionKeys<ResidualBackwardOptions>()(['accumulate']);

/**
 * The backward of residualAdd: both branches receive gradY (added when accumulate). Either output may
 * be null (skipped); gradX may be gradY itself (then it already holds the answer unless accumulating).
 * @param gradY ∂loss/∂y.
 * @param gradX receives ∂loss/∂x, `gradY.length` elements, or null.
 * @param gradResidual receives ∂loss/∂residual, `gradY.length` elements, or null; disjoint from gradX.
 * @param options `accumulate` (default false); when accumulating no output may share memory with gradY.
 * @throws {TypeError} an argument that is not a Float32Array (or null), or a non-boolean accumulate.
 * @throws {RangeError} a length mismatch or a forbidden overlap.
 */
export function residualAddBackward(
  gradY: Float32Array,
  gradX: Float32Array | null,
  gradResidual: Float32Array | null,
  options?: ResidualBackwardOptions,
): void {
  const GY = f32('gradY', gradY);
  const GX = optionalF32('gradX', gradX);
  const GR = optionalF32('gradResidual', gradResidual);
  const accumulate = checkBoolean('options.accumulate', checkOptions('ops.residualAddBackward: options', options, RESIDUAL_BACKWARD_KEYS).accumulate, false);
  if (GX) exactly('gradX', GX, GY.length, 'gradY.length');
  if (GR) exactly('gradResidual', GR, GY.length, 'gradY.length');
  const inPlace = accumulate ? undefined : 'gradY';
  checkDisjoint([['gradX', GX, inPlace], ['gradResidual', GR, inPlace]], [['gradY', GY]]);
  for (const out of [GX, GR]) {
    if (!out) continue;
    if (accumulate) for (let i = 0; i < GY.length; i++) out[i] += GY[i];
    else if (!(out.buffer === GY.buffer && out.byteOffset === GY.byteOffset)) out.set(GY);
  }
}
