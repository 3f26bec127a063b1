import { invalidArg } from '../errors.js';
import { invalidateGradNormsOf } from './grad-norm-slots.js';

/**
 * FlatTensors: many tensors in one contiguous Float32Array (DESIGN.md §4). Every tensor is a view
 * (`views[i]`) into `base`, starting on a 64-byte boundary; `segments` holds [offset, length] pairs in
 * elements. gradguard's functions accept a FlatTensors wherever they take a list of tensors and then
 * cross into native code once for the whole list, however many tensors it holds.
 */
export class FlatTensors implements Iterable<Float32Array> {
  /** All tensors' memory, padding included (padding stays zero unless written through `base`). */
  readonly base: Float32Array;
  /** [offset, length] per tensor, in elements of `base`. */
  readonly segments: Uint32Array;
  /** One Float32Array view per tensor, in order. */
  readonly views: readonly Float32Array[];
  /** The shape each tensor was created with. */
  readonly shapes: readonly (readonly number[])[];

  /** @internal Use `FlatTensors.allocate` or `createParamStore`. */
  constructor(base: Float32Array, segments: Uint32Array, shapes: readonly (readonly number[])[]) {
    // Exported (it is the type of store.grads), so a direct call gets checked like any other.
    if (!(base instanceof Float32Array)) invalidArg('base', 'a Float32Array', base);
    if (!Array.isArray(shapes)) invalidArg('shapes', 'an array of shapes', shapes);
    if (!(segments instanceof Uint32Array) || segments.length !== 2 * shapes.length) invalidArg('segments', `a Uint32Array of ${2 * shapes.length} [offset, length] values`, segments);
    for (let i = 0; i < shapes.length; i++) {
      if (segments[2 * i] + segments[2 * i + 1] > base.length) invalidArg(`segments[${2 * i}]`, `a range inside base (${base.length} elements)`, segments[2 * i], 'range');
    }
    this.base = base;
    this.segments = segments;
    this.shapes = shapes;
    const views: Float32Array[] = [];
    for (let i = 0; i < shapes.length; i++) {
      views.push(base.subarray(segments[2 * i], segments[2 * i] + segments[2 * i + 1]));
    }
    this.views = views;
  }

  /** Number of tensors. */
  get length(): number {
    return this.views.length;
  }

  /**
   * The i-th tensor's view.
   * @param i index; negative counts from the end, as `Array.prototype.at`.
   * @throws {RangeError} when `i` is out of range.
   */
  at(i: number): Float32Array {
    const v = this.views[i < 0 ? this.views.length + i : i];
    if (v === undefined) throw new RangeError(`index: expected 0..${this.views.length - 1}, got ${i}`);
    return v;
  }

  /** Iterates the tensors' views in order (`for (const g of store.grads)`). */
  [Symbol.iterator](): Iterator<Float32Array> {
    return this.views[Symbol.iterator]();
  }

  /** Sets every element (padding included) to zero: one memory pass. */
  zero(): void {
    this.base.fill(0);
    invalidateGradNormsOf([this.base]); // new values: any fused gradient norms are stale
  }
}

/** Elements per 64-byte alignment step. */
const ALIGN_ELEMENTS = 16;

/** Offsets (in elements) that start each tensor on a 64-byte boundary, and the total length. */
export function layoutSegments(sizes: readonly number[]): { segments: Uint32Array; total: number } {
  const segments = new Uint32Array(sizes.length * 2);
  let offset = 0;
  for (let i = 0; i < sizes.length; i++) {
    segments[2 * i] = offset;
    segments[2 * i + 1] = sizes[i];
    offset += Math.ceil(sizes[i] / ALIGN_ELEMENTS) * ALIGN_ELEMENTS;
  }
  if (offset > 0xffffffff) throw new RangeError(`shapes: expected at most 2^32-1 elements in all, got ${offset}`);
  return { segments, total: offset };
}
