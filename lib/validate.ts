/**
 * Argument checks used at the top of every public function (sharp's `is.*`, better-sqlite3's
 * "validate arguments" block). A failed check throws before any native call and before any write.
 */
import { GradGuardError, invalidArg } from './errors.js';
import { FlatTensors } from './flat-tensors.js';
import { CACHE_MIN_TENSORS, lookupList, rememberList, type ListEntry } from './list-cache.js';

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

const isDetachedBuffer = (buffer: ArrayBufferLike): boolean => {
  // A detached buffer cannot back a new view (Node 20 has no ArrayBuffer.prototype.detached).
  try {
    new Uint8Array(buffer as ArrayBuffer, 0, 0);
    return false;
  } catch {
    return true;
  }
};

/** Throws unless `t` is a Float32Array over a live (not detached) buffer. */
export function checkFloat32Array(name: string, t: unknown): asserts t is Float32Array {
  if (!(t instanceof Float32Array)) invalidArg(name, 'a Float32Array', t);
  // Only a zero-length view can be detached; checking those alone keeps the common path free.
  if (t.length === 0 && isDetachedBuffer(t.buffer)) {
    invalidArg(name, 'a Float32Array over a live ArrayBuffer (it is detached: it was transferred, e.g. by postMessage or structuredClone)', t);
  }
}

/** Validates a tensor list argument and returns it in backend form. */
export function checkTensors(name: string, value: unknown, opts: { inPlace: boolean }): TensorSet {
  if (value instanceof FlatTensors) {
    if (value.base.length === 0 && isDetachedBuffer(value.base.buffer)) {
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

/**
 * In-place ops must not see the same memory twice (it would be scaled twice): rejects a repeated
 * tensor and views that overlap. Cheap when every tensor has its own buffer (the usual case).
 */
export function checkNoOverlap(name: string, views: readonly Float32Array[]): void {
  if (views.length < 2) return;
  const byBuffer = new Map<ArrayBufferLike, number[]>();
  let shared = false;
  for (let i = 0; i < views.length; i++) {
    const b = views[i].buffer;
    const list = byBuffer.get(b);
    if (list === undefined) byBuffer.set(b, [i]);
    else {
      list.push(i);
      shared = true;
    }
  }
  if (!shared) return;
  for (const indices of byBuffer.values()) {
    if (indices.length < 2) continue;
    indices.sort((a, b) => views[a].byteOffset - views[b].byteOffset);
    for (let k = 1; k < indices.length; k++) {
      const prev = views[indices[k - 1]];
      const cur = views[indices[k]];
      if (prev.length > 0 && cur.length > 0 && cur.byteOffset < prev.byteOffset + prev.byteLength) {
        const [i, j] = [indices[k - 1], indices[k]].sort((a, b) => a - b);
        invalidArg(
          name,
          `tensors that do not share memory (an in-place op would update it twice); ${name}[${i}] and ${name}[${j}] overlap`,
          views,
          'range',
        );
      }
    }
  }
}

/** A finite or infinite number that is not NaN and is >= 0. */
export function checkNonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v >= 0)) invalidArg(name, 'a number >= 0 (not NaN)', v, 'range');
  return v;
}

/** A finite number > 0. */
export function checkPositiveFinite(name: string, v: unknown): number {
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v > 0) || !Number.isFinite(v)) invalidArg(name, 'a finite number > 0', v, 'range');
  return v;
}

/** A norm order: any p > 0, or Infinity (also accepted as the string 'inf', as in PyTorch). */
export function checkNormType(name: string, v: unknown): number {
  if (v === 'inf' || v === 'Infinity') return Infinity;
  if (typeof v !== 'number') invalidArg(name, 'a number > 0 or Infinity', v);
  if (!(v > 0)) invalidArg(name, 'a number > 0 or Infinity', v, 'range');
  return v;
}

export function checkBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') invalidArg(name, 'a boolean', v);
  return v;
}

/** An integer in [lo, hi]. */
export function checkInteger(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number') invalidArg(name, `an integer from ${lo} to ${hi}`, v);
  if (!Number.isInteger(v) || v < lo || v > hi) invalidArg(name, `an integer from ${lo} to ${hi}`, v, 'range');
  return v;
}

/** A plain options object (or undefined). */
export function checkOptions(name: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) invalidArg(name, 'an options object', v);
  return v as Record<string, unknown>;
}

/** An array an *Async call reads or writes, under its argument's name; a list names `name[i]`. */
export type AsyncArg = readonly [name: string, value: AsyncView | readonly AsyncView[] | null | undefined];
type AsyncView = Float32Array | Float64Array;

// Lists whose buffers passed the fixed-length check: only list-cache entries' private copies of the
// caller's array (they never change), so a remembered list of 2,000 tensors is checked once.
const fixedLists = new WeakSet<readonly AsyncView[]>();

/** A tensor list as an AsyncArg: the flat base, or every view. */
export function asyncTensors(name: string, t: TensorSet): AsyncArg {
  if (t.flat) return [name, t.flat.base];
  if (t.entry && !fixedLists.has(t.entry.items)) {
    t.entry.items.forEach((v, i) => checkFixedLength(`${name}[${i}]`, v));
    fixedLists.add(t.entry.items);
  }
  return [name, t.views];
}

const resizable = (b: ArrayBufferLike): boolean =>
  (b as { resizable?: boolean }).resizable === true || (b as { growable?: boolean }).growable === true;

/** An array an *Async call may keep raw pointers into: its buffer must not be resizable or growable. */
export function checkFixedLength(name: string, v: AsyncView): void {
  if (resizable(v.buffer)) {
    invalidArg(
      name,
      `a ${v.constructor.name} over a fixed-length buffer (an *Async call keeps raw pointers into it, so a resizable ArrayBuffer or growable SharedArrayBuffer is refused)`,
      v,
    );
  }
}

function detachedError(name: string): GradGuardError {
  return new GradGuardError(
    `${name}: its buffer was detached (transferred) or resized while the *Async call ran, so the result is lost. ` +
      'An *Async call\'s arrays belong to it until its Promise settles.',
    'ERR_GRADGUARD_DETACHED',
  );
}

/**
 * Runs an *Async backend call under the buffer rule (DESIGN §4: while an *Async call runs, its
 * buffers belong to it). N-API cannot pin a backing store, so the worker thread reads and writes
 * through the pointers it got when the call started. Hence:
 *  - before the call, an array over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 *    TypeError naming it (a shrink would decommit memory under the worker);
 *  - after it, an array whose length changed (detached by a transfer, or resized) fails the call
 *    with GradGuardError `ERR_GRADGUARD_DETACHED` naming it, whether the backend resolved or
 *    rejected (the native addon rejects too, from its own check on completion).
 * A transfer is still the caller's bug: the memory then belongs to the receiver, which may free it.
 */
export async function runAsync<T>(args: readonly AsyncArg[], call: () => Promise<T>): Promise<T> {
  // Element lengths, not byteLength: the same test (a detached view has length 0) at a fifth of
  // the cost on Node 20, which matters for lists of thousands of tensors.
  const lengths: number[] = [];
  for (const [name, value] of args) {
    if (!value) continue;
    if (!Array.isArray(value)) {
      const v = value as AsyncView;
      checkFixedLength(name, v);
      lengths.push(v.length);
      continue;
    }
    const list = value as readonly AsyncView[];
    const known = fixedLists.has(list);
    for (let i = 0; i < list.length; i++) {
      if (!known) checkFixedLength(`${name}[${i}]`, list[i]);
      lengths.push(list[i].length);
    }
  }
  const verify = (): void => {
    let k = 0;
    for (const [name, value] of args) {
      if (!value) continue;
      if (!Array.isArray(value)) {
        if ((value as AsyncView).length !== lengths[k++]) throw detachedError(name);
        continue;
      }
      const list = value as readonly AsyncView[];
      for (let i = 0; i < list.length; i++) if (list[i].length !== lengths[k++]) throw detachedError(`${name}[${i}]`);
    }
  };
  let result: T;
  try {
    result = await call();
  } catch (err) {
    verify();
    throw err;
  }
  verify();
  return result;
}
