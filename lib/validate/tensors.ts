/** Tensor-list arguments: what the public API accepts and the validated form the backends consume. */
import { invalidArg } from '../errors.js';
import { FlatTensors } from './flat-tensors.js';
import { CACHE_MIN_TENSORS, lookupList, rememberList, type ListEntry } from '../list-cache.js';
import { checkFloat32Array, isDetached } from './arrays.js';
import { checkNoOverlap } from './overlap.js';
import { invalidateGradNormsOf } from './grad-norm-slots.js';

/** A list of tensors as the public API accepts it. */
export type TensorsLike = Float32Array | readonly Float32Array[] | FlatTensors;

/**
 * A validated tensor list in the two forms the backends consume: an array of views (always), and
 * for a FlatTensors the flat base + segments (one native crossing for the whole list).
 */
export interface TensorSet {
  readonly views: readonly Float32Array[];
  readonly flat: FlatTensors | null;
  /** For long lists: the remembered validation (see list-cache.ts). */
  readonly entry?: ListEntry;
}

/** Validates a tensor list argument and returns it in backend form. */
export function checkTensors(name: string, value: unknown, opts: { inPlace: boolean }): TensorSet {
  const set = checkTensorSet(name, value, opts);
  // Whatever writes tensors in place may write gradients: their fused norms are stale from here.
  if (opts.inPlace) invalidateGradNormsOf(set.flat ? [set.flat.base] : set.views);
  return set;
}

function checkTensorSet(name: string, value: unknown, opts: { inPlace: boolean }): TensorSet {
  if (value instanceof FlatTensors) {
    if (isDetached(value.base)) {
      invalidArg(name, 'a FlatTensors over a live ArrayBuffer (it is detached)', value);
    }
    return { views: value.views, flat: value };
  }
  if (value instanceof Float32Array) {
    checkFloat32Array(name, value);
    return { views: [value], flat: null };
  }
  if (!Array.isArray(value)) {
    invalidArg(name, 'a Float32Array, an array of Float32Array, or a FlatTensors', value);
  }
  const list = value as readonly unknown[];
  const cached = list.length >= CACHE_MIN_TENSORS ? lookupList(list) : undefined;
  if (cached && (!opts.inPlace || cached.inPlaceChecked)) return { views: cached.items, flat: null, entry: cached };
  for (let i = 0; i < list.length; i++) checkFloat32Array(`${name}[${i}]`, list[i]);
  const views = list as readonly Float32Array[];
  if (opts.inPlace) checkNoOverlap(name, views);
  if (list.length < CACHE_MIN_TENSORS) return { views, flat: null };
  if (cached) {
    cached.inPlaceChecked = true;
    return { views: cached.items, flat: null, entry: cached };
  }
  const entry = rememberList(list, views, opts.inPlace);
  return { views: entry.items, flat: null, entry };
}
