/**
 * The one error wrapper between the native addon and the TS layer, and the one helper that gives
 * each native call its *Async form. Every native backend call goes through `nativePair` (or
 * `nativeSync` for calls with no async form), so a native failure reaches the caller as:
 *  - TypeError/RangeError from the addon's own argument re-checks (args.h), unchanged;
 *  - GradGuardError with the addon's `ERR_GRADGUARD_*` code (a kernel Status, a detached buffer);
 *  - GradGuardError `ERR_GRADGUARD_OUT_OF_MEMORY` for a C++ std::bad_alloc that escaped the glue
 *    (node-addon-api turns it into a plain Error), `ERR_GRADGUARD_INTERNAL` for any other plain Error;
 * and an async rejection carries the caller's stack (the native one ends at the event loop).
 */
import { GradGuardError } from '../errors.js';

/** A native failure as the caller should see it (see the module comment). */
export function nativeError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof GradGuardError || err instanceof TypeError || err instanceof RangeError) return err;
  const code = (err as { code?: unknown }).code;
  let wrapped: GradGuardError;
  if (typeof code === 'string' && code.startsWith('ERR_GRADGUARD')) wrapped = new GradGuardError(err.message, code);
  else if (code !== undefined) return err;
  else if (/bad_alloc|out of memory/i.test(err.message)) wrapped = new GradGuardError(`out of memory in native code (${err.message})`, 'ERR_GRADGUARD_OUT_OF_MEMORY');
  else wrapped = new GradGuardError(`native code failed: ${err.message}`, 'ERR_GRADGUARD_INTERNAL');
  wrapped.stack = err.stack;
  return wrapped;
}

/** Runs a synchronous native call, mapping its failure with nativeError. */
export function nativeSync<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R {
  return (...a) => {
    try {
      return fn(...a);
    } catch (err) {
      throw nativeError(err);
    }
  };
}

/** Maps a native Promise's rejection with nativeError and appends the caller's stack. */
export function withCallerStack<T>(p: Promise<T>): Promise<T> {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, withCallerStack);
  return p.catch((err: unknown) => {
    const e = nativeError(err);
    if (e instanceof Error && holder.stack) e.stack = `${e.stack}\n    --- async call ---\n${holder.stack.split('\n').slice(1).join('\n')}`;
    throw e;
  });
}

/**
 * A backend call and its *Async form from the addon's pair of exports (`foo`, `fooAsync`, same
 * arguments) and one mapping of the backend's arguments to the addon's positional ones:
 * `nativePair(addon.foo, addon.fooAsync)((forAsync, ...args) => [...positional])`. `forAsync` is
 * true for the async form (a plain tensor list is then copied: the caller may change its array
 * while the call runs).
 */
export function nativePair<N extends unknown[], R>(sync: (...n: N) => R, asyncFn: (...n: N) => Promise<R>) {
  return <A extends unknown[]>(toNative: (forAsync: boolean, ...a: A) => N): [(...a: A) => R, (...a: A) => Promise<R>] => [
    // Written out rather than nativeSync(...): one closure less on the hot sync path.
    (...a: A) => {
      try {
        return sync(...toNative(false, ...a));
      } catch (err) {
        throw nativeError(err);
      }
    },
    (...a: A) => withCallerStack(asyncFn(...toNative(true, ...a))),
  ];
}
