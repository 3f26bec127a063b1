// The gradient toolkit's contenders: one factory per (backend, layout) builds the gradient set once
// and returns the calls to time. Figures: elements/s, GB/s, ratio to the pure-TS backend and to the
// bandwidth measured in the same run.
import { clipGradNorm, createParamStore, getTotalNorm, useBackend, type TensorsLike } from '../lib/index.js';
import type { Layout, Op, Workload } from './cases.js';

/** A gradient set in the given layout, filled with values of norm ~1 per tensor. */
export function makeGrads(w: Workload, layout: Layout): TensorsLike {
  const fill = (t: Float32Array) => {
    for (let i = 0; i < t.length; i++) t[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  };
  if (layout === 'flat') {
    const store = createParamStore(w.shapes);
    store.grads.views.forEach(fill);
    return store.grads;
  }
  return w.shapes.map((s) => {
    const t = new Float32Array(s.reduce((a, b) => a * b, 1));
    fill(t);
    return t;
  });
}

/** The call to time for an op on a backend. */
export function contender(backend: 'native' | 'js', op: Op, grads: TensorsLike): () => void {
  const run: Record<Op, () => void> = {
    getTotalNorm: () => void getTotalNorm(grads),
    'clipGradNorm(clip)': () => void clipGradNorm(grads, 0),
    'clipGradNorm(noclip)': () => void clipGradNorm(grads, 1e30),
  };
  return () => {
    useBackend(backend);
    run[op]();
  };
}
