import { getBackend } from './backend/index.js';
import { invalidArg } from './errors.js';
import { FlatTensors, layoutSegments } from './validate/flat-tensors.js';

/** Parameters and their gradients, each set in one contiguous, 64-byte-aligned buffer. */
export interface ParamStore {
  /** Parameter tensors (views into one buffer). */
  readonly params: FlatTensors;
  /** Gradient tensors, same layout as `params`. */
  readonly grads: FlatTensors;
  /** Total number of parameters (padding excluded). */
  readonly size: number;
}

/**
 * Allocates a flat parameter store (DESIGN.md §4): all parameters in one buffer and all gradients in
 * another, each tensor a view starting on a 64-byte boundary. Pass `store.grads` to `clipGradNorm`,
 * `getTotalNorm` or `gradStats` and the whole list is handled in one native call. The memory is
 * zeroed, allocated once (native: huge-page advised when large), and never reallocated.
 * @param shapes one shape per tensor, e.g. `[[512, 256], [512]]`.
 * @throws {TypeError|RangeError} on a malformed shape.
 */
export function createParamStore(shapes: readonly (readonly number[])[]): ParamStore {
  if (!Array.isArray(shapes)) invalidArg('shapes', 'an array of shapes', shapes);
  const sizes = shapes.map((s, i) => {
    if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d >= 0)) {
      invalidArg(`shapes[${i}]`, 'an array of non-negative integers', s);
    }
    return s.reduce((a: number, b: number) => a * b, 1);
  });
  const { segments, total } = layoutSegments(sizes);
  const make = () => new FlatTensors(new Float32Array(getBackend().allocate(total * 4), 0, total), segments, shapes.map((s) => [...s]));
  return { params: make(), grads: make(), size: sizes.reduce((a, b) => a + b, 0) };
}
