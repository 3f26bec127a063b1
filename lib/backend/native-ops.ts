/** The native backend's ops: a direct mapping onto the addon's ops exports. */
import { fromNative } from '../errors.js';
import type { NativeAddon } from '../binding.js';
import type { OpsBackend } from './ops-types.js';

/** Async rejections become GradGuardError where they carry a gradguard code, with the caller's stack. */
function wrap<T>(p: Promise<T>): Promise<T> {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, wrap);
  return p.catch((err: unknown) => {
    const e = fromNative(err);
    if (e instanceof Error && holder.stack) e.stack = `${e.stack}\n    --- async call ---\n${holder.stack.split('\n').slice(1).join('\n')}`;
    throw e;
  });
}

/** Sync errors with a gradguard code become GradGuardError. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err);
  }
}

export function createNativeOps(addon: NativeAddon): OpsBackend {
  return {
    matmul: (a, b, c, s) => call(() => addon.matmul(a, b, c, s.m, s.n, s.k, s.transA, s.transB, s.alpha, s.beta)),
    matmulAsync: (a, b, c, s) => wrap(addon.matmulAsync(a, b, c, s.m, s.n, s.k, s.transA, s.transB, s.alpha, s.beta)),
    linearForward: (x, w, b, y, s) => call(() => addon.linearForward(x, w, b, y, s.batch, s.inFeatures, s.outFeatures)),
    linearForwardAsync: (x, w, b, y, s) => wrap(addon.linearForwardAsync(x, w, b, y, s.batch, s.inFeatures, s.outFeatures)),
    linearBackward: (x, w, gy, g, s, acc) =>
      call(() => addon.linearBackward(x, w, gy, g.gradX, g.gradWeight, g.gradBias, s.batch, s.inFeatures, s.outFeatures, acc)),
    linearBackwardAsync: (x, w, gy, g, s, acc) =>
      wrap(addon.linearBackwardAsync(x, w, gy, g.gradX, g.gradWeight, g.gradBias, s.batch, s.inFeatures, s.outFeatures, acc)),
    activationForward: (fn, x, y, p0, p1) => addon.activationForward(fn, x, y, p0, p1),
    activationBackward: (fn, x, gy, gx, p0, p1) => addon.activationBackward(fn, x, gy, gx, p0, p1),
    mseLoss: (x, t, g, mean) => addon.mseLoss(x, t, g, mean),
    crossEntropyLoss: (x, labels, g, batch, classes) => call(() => addon.crossEntropyLoss(x, labels, g, batch, classes)),
    bceWithLogitsLoss: (x, t, g) => addon.bceWithLogitsLoss(x, t, g),
  };
}
