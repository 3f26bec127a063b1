/**
 * Error classes and the one helper every argument check uses. Messages name the argument, what was
 * expected and what arrived; `code` is stable for programs to test.
 */

/** Base class of gradguard's own errors; `code` is stable (`ERR_GRADGUARD_*`). */
export class GradGuardError extends Error {
  /** Stable machine-readable code, e.g. `ERR_GRADGUARD_NONFINITE` or `ERR_GRADGUARD_DETACHED`. */
  readonly code: string;
  /**
   * Builds an error whose `name` is `GradGuardError`.
   * @param message the human-readable message.
   * @param code the stable code (default `ERR_GRADGUARD`).
   */
  constructor(message: string, code = 'ERR_GRADGUARD') {
    super(message);
    this.name = 'GradGuardError';
    this.code = code;
  }
}

/**
 * Thrown by `clipGradNorm(..., { errorIfNonfinite: true })` when the total norm is NaN or infinite
 * (PyTorch raises a RuntimeError there). The gradients are left untouched.
 */
export class NonFiniteGradientError extends GradGuardError {
  /** Index of the first tensor whose own norm is non-finite (-1 if none could be named). */
  readonly tensorIndex: number;
  /** The non-finite total norm. */
  readonly totalNorm: number;
  /**
   * Builds the error with code `ERR_GRADGUARD_NONFINITE` and a message naming the norm order, the
   * total and the first non-finite tensor.
   * @param normType the norm order p that was asked for.
   * @param totalNorm the non-finite total norm.
   * @param tensorIndex index of the first tensor whose own norm is non-finite, or -1.
   */
  constructor(normType: number, totalNorm: number, tensorIndex: number) {
    const where = tensorIndex >= 0 ? `; first non-finite tensor: grads[${tensorIndex}]` : '';
    super(
      `The total norm of order ${normType} for gradients is ${totalNorm}, so it cannot be clipped${where}. ` +
        'Set errorIfNonfinite: false to clip anyway (the gradients then become NaN or zero, as in PyTorch).',
      'ERR_GRADGUARD_NONFINITE',
    );
    this.name = 'NonFiniteGradientError';
    this.tensorIndex = tensorIndex;
    this.totalNorm = totalNorm;
  }
}

/** Describes a value for an error message: its type, and a short form of its value. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return `number ${value}`;
  if (typeof value === 'string') return `string "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'bigint') return `bigint ${value}`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as { length?: number }).length ?? value.byteLength})`;
  if (typeof value === 'function') return 'function';
  const ctor = (value as object).constructor;
  return ctor && ctor.name ? `${ctor.name} object` : 'object';
}

/**
 * Throws a TypeError (wrong type) or RangeError (right type, wrong value) naming the argument.
 * @example invalidArg('maxNorm', 'a number >= 0', -1) // RangeError: maxNorm: expected a number >= 0, got number -1
 */
export function invalidArg(name: string, expected: string, actual: unknown, kind: 'type' | 'range' = 'type'): never {
  const message = `${name}: expected ${expected}, got ${describe(actual)}`;
  if (kind === 'range') {
    const e = new RangeError(message) as RangeError & { code: string };
    e.code = 'ERR_OUT_OF_RANGE';
    throw e;
  }
  const e = new TypeError(message) as TypeError & { code: string };
  e.code = 'ERR_INVALID_ARG_TYPE';
  throw e;
}

/** Wraps an error from the native addon into GradGuardError when it carries a gradguard code. */
export function fromNative(err: unknown): unknown {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') {
    const code = (err as unknown as { code: string }).code;
    if (code.startsWith('ERR_GRADGUARD') && !(err instanceof GradGuardError)) {
      const e = new GradGuardError(err.message, code);
      e.stack = err.stack;
      return e;
    }
  }
  return err;
}
