/**
 * Remembers validated lists of many tensors (keyed by the array object the caller passes each step),
 * so a training loop that hands the same array of 2,000 gradients to clipGradNorm every step pays
 * for validation and native unpacking once: later calls only re-check that every element is the same
 * Float32Array with the same length (a detached or resized buffer changes its length, and a replaced
 * tensor its identity; either way the list is validated and prepared again).
 */

/** Lists shorter than this are cheap to validate and unpack every time. */
export const CACHE_MIN_TENSORS = 32;

export interface ListEntry {
  /** The tensors as validated (a private copy of the caller's array). */
  readonly items: readonly Float32Array[];
  readonly lengths: Uint32Array;
  /** Whether the no-overlap check for in-place ops has passed. */
  inPlaceChecked: boolean;
  /** The native backend's prepared handle (created on first native use). */
  nativeHandle?: object;
}

const cache = new WeakMap<readonly unknown[], ListEntry>();

/** The entry for `list` if it still holds exactly the tensors it held when validated. */
export function lookupList(list: readonly unknown[]): ListEntry | undefined {
  const e = cache.get(list);
  if (e === undefined || e.items.length !== list.length) return undefined;
  const { items, lengths } = e;
  for (let i = 0; i < items.length; i++) {
    const t = list[i];
    if (t !== items[i] || items[i].length !== lengths[i]) return undefined;
  }
  return e;
}

/** Records a freshly validated list. */
export function rememberList(list: readonly unknown[], views: readonly Float32Array[], inPlaceChecked: boolean): ListEntry {
  const e: ListEntry = { items: views.slice(), lengths: Uint32Array.from(views, (v) => v.length), inPlaceChecked };
  cache.set(list, e);
  return e;
}
