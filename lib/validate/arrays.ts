/** Checks of typed-array arguments: type, a live buffer, and length against a shape. */
import { invalidArg } from '../errors.js';

const isDetachedBuffer = (buffer: ArrayBufferLike): boolean => {
  // A detached buffer cannot back a new view (Node 20 has no ArrayBuffer.prototype.detached).
  try {
    new Uint8Array(buffer as ArrayBuffer, 0, 0);
    return false;
  } catch {
    return true;
  }
};

/** Whether a zero-length view's buffer is detached (only a zero-length view can be). */
export function isDetached(t: ArrayBufferView): boolean {
  return t.byteLength === 0 && isDetachedBuffer(t.buffer);
}

/** Throws unless `t` is a Float32Array over a live (not detached) buffer. */
export function checkFloat32Array(name: string, t: unknown): asserts t is Float32Array {
  if (!(t instanceof Float32Array)) invalidArg(name, 'a Float32Array', t);
  // Only a zero-length view can be detached; checking those alone keeps the common path free.
  if (t.length === 0 && isDetachedBuffer(t.buffer)) {
    invalidArg(name, 'a Float32Array over a live ArrayBuffer (it is detached: it was transferred, e.g. by postMessage or structuredClone)', t);
  }
}

/** A Float32Array (not detached), returned as such. */
export function f32(name: string, v: unknown): Float32Array {
  checkFloat32Array(name, v);
  return v;
}

/** A Float32Array, or null/undefined (→ null). */
export function optionalF32(name: string, v: unknown): Float32Array | null {
  if (v === null || v === undefined) return null;
  return f32(name, v);
}

/** Throws a RangeError unless `t` holds at least `count` elements (`what` names the shape). */
export function atLeast(name: string, t: Float32Array | Int32Array, count: number, what: string): void {
  if (t.length < count) invalidArg(name, `at least ${count} elements (${what})`, t, 'range');
}

/** Throws a RangeError unless `t` holds exactly `count` elements (`what` names the shape). */
export function exactly(name: string, t: Float32Array | Int32Array, count: number, what: string): void {
  if (t.length !== count) invalidArg(name, `${count} elements (${what})`, t, 'range');
}

/** A Float32Array of exactly `len` elements. */
export function checkLength(name: string, t: unknown, len: number): Float32Array {
  checkFloat32Array(name, t);
  if (t.length !== len) invalidArg(name, `a Float32Array of ${len} elements`, t, 'range');
  return t;
}

/** An optional Float32Array (undefined/null → null) of exactly `len` elements. */
export function optLength(name: string, t: unknown, len: number): Float32Array | null {
  return t === undefined || t === null ? null : checkLength(name, t, len);
}

/** An optional Float64Array of at least `len` elements (undefined/null: none). */
export function optionalF64AtLeast(name: string, t: unknown, len: number): Float64Array | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Float64Array)) invalidArg(name, `a Float64Array of at least ${len} elements`, t);
  if (t.length < len) invalidArg(name, `a Float64Array of at least ${len} elements`, t, 'range');
  return t;
}

/** A Float64Array of exactly `len` elements. */
export function checkF64(name: string, t: unknown, len: number): Float64Array {
  if (!(t instanceof Float64Array)) invalidArg(name, 'a Float64Array', t);
  if (t.length !== len) invalidArg(name, `a Float64Array of ${len} elements`, t, 'range');
  return t;
}
