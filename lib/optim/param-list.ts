/**
 * The parameter list an optimiser (or a penalty) works on: either an array of `{ data, grad }`
 * entries (one native crossing per tensor) or a ParamStore (its flat params and grads cross once).
 * Validates once at construction and the gradients again (cheaply) before every step.
 */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import { FlatTensors } from '../validate/flat-tensors.js';
import type { ParamStore } from '../param-store.js';
import { checkFloat32Array, checkNoOverlap, type TensorSet } from '../validate/index.js';

/** One parameter tensor and its gradient (same length; `grad` may be absent until the first backward). */
export interface ParamWithGrad {
  /** The parameter's values, updated in place by the optimiser. */
  data: Float32Array;
  /** Its gradient, the same length as `data`; absent or null until the first backward (a step then throws). */
  grad?: Float32Array | null;
}

/** What optimisers and penalties accept: parameter entries, or a flat ParamStore. */
export type OptimParams = readonly ParamWithGrad[] | ParamStore;

const isStore = (v: unknown): v is ParamStore =>
  typeof v === 'object' && v !== null && (v as ParamStore).params instanceof FlatTensors && (v as ParamStore).grads instanceof FlatTensors;

/** @internal */
export class ParamList {
  readonly params: TensorSet;
  readonly sizes: readonly number[];
  private readonly entries: readonly ParamWithGrad[] | null;
  private readonly store: ParamStore | null;
  private readonly gradViews: Float32Array[];
  private readonly gradSet: TensorSet;

  constructor(name: string, value: unknown) {
    if (isStore(value)) {
      const p = value.params;
      const g = value.grads;
      if (p.length !== g.length || p.base.length !== g.base.length || p.views.some((v, i) => v.length !== g.views[i].length)) {
        invalidArg(`${name}.grads`, 'the same layout as params', g, 'range');
      }
      this.store = value;
      this.entries = null;
      this.params = { views: p.views, flat: p };
      this.sizes = p.views.map((v) => v.length);
      this.gradViews = [];
      this.gradSet = { views: g.views, flat: g };
      return;
    }
    if (!Array.isArray(value)) invalidArg(name, 'an array of { data, grad } or a ParamStore', value);
    const list = value as readonly unknown[];
    const views: Float32Array[] = [];
    const seen = new Set<unknown>();
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as ParamWithGrad;
      if (typeof e !== 'object' || e === null) invalidArg(`${name}[${i}]`, 'an object { data, grad }', e);
      checkFloat32Array(`${name}[${i}].data`, e.data);
      if (seen.has(e) || seen.has(e.data)) invalidArg(name, `each parameter once (${name}[${i}] repeats an earlier one)`, e, 'range');
      seen.add(e);
      seen.add(e.data);
      views.push(e.data);
    }
    checkNoOverlap(name, views);
    this.store = null;
    this.entries = list as readonly ParamWithGrad[];
    this.params = { views, flat: null };
    this.sizes = views.map((v) => v.length);
    this.gradViews = views.map((v) => v);
    this.gradSet = { views: this.gradViews, flat: null };
    for (let i = 0; i < list.length; i++) {
      const g = (list[i] as ParamWithGrad).grad;
      if (g !== undefined && g !== null) this.checkGrad(name, i, g);
    }
  }

  get length(): number {
    return this.sizes.length;
  }

  private checkGrad(name: string, i: number, g: unknown): asserts g is Float32Array {
    checkFloat32Array(`${name}[${i}].grad`, g);
    if (g.length !== this.sizes[i]) invalidArg(`${name}[${i}].grad`, `a Float32Array of ${this.sizes[i]} elements (the parameter's length)`, g, 'range');
  }

  /** The current gradients (re-read from each entry: a new `grad` array is picked up), validated. */
  grads(name = 'params'): TensorSet {
    const entries = this.entries;
    if (entries === null) return this.gradSet;
    for (let i = 0; i < entries.length; i++) {
      const g = entries[i].grad;
      if (g === undefined || g === null) invalidArg(`${name}[${i}].grad`, 'a gradient (Float32Array); the parameter has none', g);
      this.checkGrad(name, i, g);
      this.gradViews[i] = g;
    }
    return this.gradSet;
  }

  /** The gradients as public functions take them (a FlatTensors for a store). */
  gradsLike(): FlatTensors | readonly Float32Array[] {
    const set = this.grads();
    return set.flat ?? set.views;
  }

  /** Zeroed state tensors with the parameters' layout (one flat buffer for a store). */
  newState(): TensorSet {
    if (this.store) {
      const p = this.store.params;
      const base = new Float32Array(getBackend().allocate(p.base.length * 4), 0, p.base.length);
      const flat = new FlatTensors(base, p.segments, p.shapes);
      return { views: flat.views, flat };
    }
    return { views: this.sizes.map((n) => new Float32Array(n)), flat: null };
  }
}

/** Copies of a state set's tensors, for `state()`. */
export const copyState = (t: TensorSet): Float32Array[] => t.views.map((v) => v.slice());

/** Checks a state list from `loadState` against the parameter sizes (throws before any write). */
export function checkStateList(name: string, value: unknown, sizes: readonly number[]): readonly Float32Array[] {
  if (!Array.isArray(value)) invalidArg(name, `an array of ${sizes.length} Float32Array`, value);
  const list = value as readonly unknown[];
  if (list.length !== sizes.length) invalidArg(name, `an array of ${sizes.length} Float32Array (one per parameter)`, value, 'range');
  for (let i = 0; i < list.length; i++) {
    checkFloat32Array(`${name}[${i}]`, list[i]);
    if ((list[i] as Float32Array).length !== sizes[i]) invalidArg(`${name}[${i}]`, `a Float32Array of ${sizes[i]} elements`, list[i], 'range');
  }
  return list as readonly Float32Array[];
}

/** Copies a checked state list into a state set. */
export function loadStateList(dst: TensorSet, src: readonly Float32Array[]): void {
  for (let i = 0; i < src.length; i++) dst.views[i].set(src[i]);
}
