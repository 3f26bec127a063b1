import { getBackend } from './backend/index.js';
import { invalidArg } from './errors.js';
import { FlatTensors, layoutSegments } from './validate/flat-tensors.js';
import { GradNormSlots, registerGradNormSlots } from './validate/grad-norm-slots.js';

/** Parameters and their gradients, each set in one contiguous, 64-byte-aligned buffer. */
export interface ParamStore {
  /** Parameter tensors (views into one buffer). */
  readonly params: FlatTensors;
  /** Gradient tensors, same layout as `params`. */
  readonly grads: FlatTensors;
  /** Total number of parameters (padding excluded). */
  readonly size: number;
  /**
   * Fused gradient norms: one float64 Σ g² per gradient, reported by the backward kernels that
   * wrote it (`nn.Linear`), and whether they are current. The Trainer and `clipGradNormAndStep`
   * use them instead of a read pass when every gradient was reported since the last
   * `zeroGrad`/`grads.zero()` and no library function modified a gradient since. If you write
   * gradients yourself after a layer's backward (adding noise, editing `grad` arrays), call
   * `store.gradNorms.invalidate()`; gradients written by your own backward code are simply not
   * reported, so those steps take the read pass.
   */
  readonly gradNorms: GradNormSlots;
}

// Stores by their grads FlatTensors, so a consumer handed `store.grads` (or an optimiser's grads)
// finds the slots; another FlatTensors over the same buffer (other segments) does not.
const storeOfGrads = new WeakMap<FlatTensors, GradNormSlots>();

/**
 * The current fused L2 norm of `grads` when it is a ParamStore's `grads` whose sums are all current
 * (see {@link ParamStore.gradNorms}), else null (take the read pass). Equal to
 * `getTotalNorm(grads)` within ~1e-12 relative, not bitwise: the kernels sum per GEMM tile, the read
 * pass per fixed chunk; each is bit-identical for any thread count on one ISA.
 * @param grads a gradient list as the public functions take it.
 */
export function fusedTotalNorm(grads: unknown): number | null {
  if (!(grads instanceof FlatTensors)) return null;
  return storeOfGrads.get(grads)?.totalNorm() ?? null;
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
  const grads = make();
  const gradNorms = new GradNormSlots(shapes.length);
  registerGradNormSlots(grads.base.buffer, gradNorms);
  storeOfGrads.set(grads, gradNorms);
  return { params: make(), grads, size: sizes.reduce((a, b) => a + b, 0), gradNorms };
}
