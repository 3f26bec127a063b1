/**
 * The buffer rule of *Async calls (DESIGN §4): while one runs, its arrays belong to it. Checked
 * before the call (no resizable buffers) and after it (nothing detached or resized meanwhile).
 */
import { GradGuardError, invalidArg } from '../errors.js';
import type { TensorSet } from './tensors.js';

/** An array an *Async call reads or writes, under its argument's name; a list names `name[i]`. */
export type AsyncArg = readonly [name: string, value: AsyncView | readonly AsyncView[] | null | undefined];
type AsyncView = Float32Array | Float64Array | Int32Array;

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
 * buffers belong to it). The native addon never lets its worker thread use memory JS could free:
 * it pins the memory it exported and copies any other (native/addon/async_staging.h), so a
 * transfer loses the result but touches no freed memory. Hence:
 *  - before the call, an array over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 *    TypeError naming it (a shrink would decommit memory under the worker);
 *  - after it, an array whose length changed (detached by a transfer, or resized) fails the call
 *    with GradGuardError `ERR_GRADGUARD_DETACHED` naming it, whether the backend resolved or
 *    rejected (the native addon rejects too, from its own check on completion).
 * A transfer is still the caller's bug: its result is lost.
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
