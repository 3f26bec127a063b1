/**
 * The one memory-overlap rule: an output shares no memory with another output or an input, except
 * that it may be exactly the input it is computed in place of; and an in-place list never holds
 * the same memory twice.
 */
import { invalidArg } from '../errors.js';

/** Whether two views share at least one byte. */
export const overlaps = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

/** Whether two views are exactly the same memory. */
export const sameMemory = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;

/** The typed arrays the ops read and write. */
export type TypedView = Float32Array | Float64Array | Int32Array;
/** A named array for checkDisjoint and runAsync. */
export type Named = readonly [name: string, t: TypedView | null];
/** An output; `inPlaceOf` names the input(s) it may be exactly (same memory), per its TSDoc. */
export type NamedOut = readonly [name: string, t: TypedView | null, inPlaceOf?: string | readonly string[]];

/**
 * The rule for one pair: output `out` shares no memory with `other`, unless `inPlace` allows it to
 * be exactly the same memory. Allocates nothing (the elementwise ops call it on every call).
 * @throws {RangeError} naming both arguments.
 */
export function checkDisjointPair(name: string, out: TypedView, other: string, t: TypedView | null, inPlace = false): void {
  if (!t || !overlaps(out, t)) return;
  if (inPlace && sameMemory(out, t)) return;
  const expected = inPlace ? `either ${other} itself (in place) or an array that shares no memory with it` : `an array that shares no memory with ${other}`;
  invalidArg(name, expected, out, 'range');
}

const inPlaceOk = (inPlaceOf: NamedOut[2], other: string): boolean =>
  other === inPlaceOf || (Array.isArray(inPlaceOf) && inPlaceOf.includes(other));

/**
 * Each output must share no memory with another output or with any input (the kernels read
 * inputs after writing outputs), except that an output may be exactly an `inPlaceOf` input (the
 * kernel reads each of its elements before writing it). Null entries are skipped.
 * @returns outputs and inputs as one list (what an *Async call must keep; see runAsync).
 * @throws {RangeError} naming both arguments.
 */
export function checkDisjoint(outputs: readonly NamedOut[], inputs: readonly Named[]): Named[] {
  for (let i = 0; i < outputs.length; i++) {
    const [name, out, inPlaceOf] = outputs[i];
    if (!out) continue;
    for (let j = i + 1; j < outputs.length; j++) checkDisjointPair(name, out, outputs[j][0], outputs[j][1], inPlaceOk(inPlaceOf, outputs[j][0]));
    for (const [other, t] of inputs) checkDisjointPair(name, out, other, t, inPlaceOk(inPlaceOf, other));
  }
  return [...outputs.map(([n, t]): Named => [n, t]), ...inputs];
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
      if (overlaps(prev, cur)) {
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
