/**
 * The pure-TypeScript backend: the reference implementation and the fallback where the addon cannot
 * load. Its *Async methods run on the calling thread (there is no worker pool in plain JS) and
 * settle on a later microtask, so call sites behave the same on both backends.
 */
import { ASYNC_CALLS, type AsyncCall, type AsyncForms, type Backend, type SyncBackend } from '../types.js';
import { createJsOps } from './ops.js';
import { agc, clamp, clipByNorm, norm, scale, stats } from './grad.js';
import { batchNormBackward, batchNormForward, layerNormBackward, layerNormForward } from './normalization.js';
import { adamStep, sgdStep } from './optim.js';
import { recurrentBackward, recurrentForward } from './rnn.js';
import { convBackward, convForward } from './conv.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { attentionBackward, attentionForward, selfAttentionBackward, selfAttentionForward } from './attention.js';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool.js';
import { batchNorm2dBackward, batchNorm2dForward } from './batch-norm2d.js';
import { dropoutApply } from './dropout.js';

/** The *Async form of every ASYNC_CALLS entry: the sync call, run on a later microtask. */
function asyncForms(sync: SyncBackend): AsyncForms<SyncBackend, AsyncCall> {
  const forms: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const name of ASYNC_CALLS) {
    const fn = sync[name] as (...a: unknown[]) => unknown;
    forms[`${name}Async`] = (...a) => Promise.resolve().then(() => fn(...a));
  }
  return forms as AsyncForms<SyncBackend, AsyncCall>;
}

export function createJsBackend(): Backend {
  const sync: SyncBackend = {
    name: 'js',
    isa: () => 'js',
    supportedIsas: () => ['js'],
    setIsa(name: string) {
      if (name !== 'js') throw new RangeError(`isa: expected "js" on the pure-TS backend, got "${name}"`);
    },
    numThreads: () => 1,
    setNumThreads: () => {
      // One thread; accepted so that code written for the native backend runs unchanged.
    },
    allocate: (bytes) => new ArrayBuffer(bytes),
    norm: (t, p, per) => norm(t.views, p, per),
    clipByNorm: (t, m, p, e, per) => clipByNorm(t.views, m, p, e, per),
    scale: (t, s) => scale(t.views, s),
    clamp: (t, lo, hi) => clamp(t.views, lo, hi),
    stats: (t, per) => stats(t.views, per),
    agc: (p, g, units, clipping, eps) => agc(p.views, g.views, units, clipping, eps),
    sgdStep: (p, g, b, h) => sgdStep(p.views, g.views, b ? b.views : null, h),
    adamStep: (p, g, m, v, vm, h) => adamStep(p.views, g.views, m.views, v.views, vm ? vm.views : null, h),
    ...createJsOps(),
    batchNormForward,
    batchNormBackward,
    layerNormForward,
    layerNormBackward,
    recurrentForward,
    recurrentBackward,
    convForward,
    convBackward,
    embeddingForward,
    embeddingBackward,
    softmaxForward,
    softmaxBackward,
    attentionForward,
    attentionBackward,
    selfAttentionForward,
    selfAttentionBackward,
    maxPool2dForward,
    maxPool2dBackward,
    avgPool2dForward,
    avgPool2dBackward,
    batchNorm2dForward,
    batchNorm2dBackward,
    dropoutApply,
  };
  return { ...sync, ...asyncForms(sync) };
}
