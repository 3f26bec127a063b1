// Property tests: on random tensor lists and hyper-parameters, every native ISA matches the pure-TS
// reference (DESIGN.md §6).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Adam, AdamW, SGD, type Optimizer } from '../../lib/index.js';
import { allTargets, restoreBackendAfterEach, select } from './targets.js';

const targets = allTargets();
const tensors = fc.array(fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { maxLength: 70 }), { minLength: 1, maxLength: 4 });

function run(make: (p: { data: Float32Array; grad: Float32Array }[]) => Optimizer, init: number[][], grads: number[][], steps: number, scale: number): Float32Array[] {
  const params = init.map((x) => ({ data: Float32Array.from(x), grad: new Float32Array(x.length) }));
  const opt = make(params);
  for (let t = 0; t < steps; t++) {
    params.forEach((p, i) => p.grad.set(grads[i].map((g, k) => g * (1 + 0.1 * t) - 0.05 * k)));
    opt.step({ gradScale: scale });
  }
  return params.map((p) => p.data);
}

function agree(make: (p: { data: Float32Array; grad: Float32Array }[]) => Optimizer, init: number[][], steps: number, scale: number): void {
  const grads = init.map((x) => x.map((v, k) => Math.sin(v + k)));
  select(targets[0]);
  const ref = run(make, init, grads, steps, scale);
  for (const t of targets.slice(1)) {
    select(t);
    const got = run(make, init, grads, steps, scale);
    got.forEach((g, i) =>
      g.forEach((x, k) => {
        const e = ref[i][k];
        if (!(Math.abs(x - e) <= 2e-5 + 1e-5 * Math.abs(e))) throw new Error(`${t.label} tensor ${i}[${k}]: ${x} vs ${e}`);
      }),
    );
  }
}

describe('native matches the pure-TS backend on random inputs', () => {
  restoreBackendAfterEach();

  it('SGD', () => {
    fc.assert(
      fc.property(
        tensors,
        fc.record({
          lr: fc.double({ min: 0, max: 0.5, noNaN: true }),
          momentum: fc.constantFrom(0, 0.5, 0.9),
          dampening: fc.constantFrom(0, 0.3),
          weightDecay: fc.constantFrom(0, 1e-3, 0.1),
          maximize: fc.boolean(),
        }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        (init, o, nesterov, steps) => {
          const n = nesterov && o.momentum > 0 && o.dampening === 0;
          agree((p) => new SGD(p, { ...o, nesterov: n }), init, steps, 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('Adam and AdamW', () => {
    fc.assert(
      fc.property(
        tensors,
        fc.record({
          lr: fc.double({ min: 0, max: 0.1, noNaN: true }),
          betas: fc.tuple(fc.constantFrom(0, 0.5, 0.9), fc.constantFrom(0.9, 0.99, 0.999)),
          eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
          weightDecay: fc.constantFrom(0, 1e-2, 0.1),
          amsgrad: fc.boolean(),
          maximize: fc.boolean(),
        }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 0.25),
        (init, o, decoupled, steps, scale) => {
          agree((p) => (decoupled ? new AdamW(p, o) : new Adam(p, o)), init, steps, scale);
        },
      ),
      { numRuns: 60 },
    );
  });
});
