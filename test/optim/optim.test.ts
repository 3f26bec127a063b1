import { describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  clipGradNorm,
  clipGradNormAndStep,
  createParamStore,
  getNumThreads,
  getTotalNorm,
  Rng,
  setNumThreads,
  SGD,
  uniform,
  type Optimizer,
  type OptimParams,
} from '../../lib/index.js';
import { allTargets, restoreBackendAfterEach, select } from './targets.js';

const targets = allTargets();
const SIZES = [0, 1, 7, 33, 1000, 16385];

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return uniform(new Float32Array(n), [n], { a: lo, b: hi, seed });
}

function makeList(sizes: readonly number[], seed: number): { data: Float32Array; grad: Float32Array }[] {
  return sizes.map((n, i) => ({ data: rand(n, seed + i, -2, 2), grad: new Float32Array(n) }));
}

function setGrads(params: { grad?: Float32Array | null }[], step: number, seed: number): void {
  params.forEach((p, i) => p.grad!.set(rand(p.grad!.length, 1000 * step + seed + i)));
}

type Factory = (p: OptimParams) => Optimizer & { state(): unknown; loadState(s: never): void };
const FACTORIES: [string, Factory][] = [
  ['sgd plain', (p) => new SGD(p, { lr: 0.1 })],
  ['sgd momentum+dampening+wd', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-2 })],
  ['sgd nesterov maximize', (p) => new SGD(p, { lr: 0.05, momentum: 0.8, nesterov: true, maximize: true })],
  ['adam', (p) => new Adam(p, { lr: 1e-2 })],
  ['adam l2 amsgrad', (p) => new Adam(p, { lr: 1e-2, weightDecay: 0.1, amsgrad: true, betas: [0.8, 0.95] })],
  ['adamw maximize', (p) => new AdamW(p, { lr: 1e-2, maximize: true })],
];

function expectClose(a: Float32Array, e: Float32Array, rtol = 1e-5, atol = 1e-6): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
      throw new Error(`element ${i}: got ${a[i]}, expected ${e[i]}`);
    }
  }
}

/** Runs `steps` steps of a fresh optimiser over a list and returns the parameters. */
function runList(f: Factory, steps: number, opts: { gradScale?: number } = {}): Float32Array[] {
  const params = makeList(SIZES, 1);
  const opt = f(params);
  for (let t = 1; t <= steps; t++) {
    setGrads(params, t, 7);
    opt.step(opts);
  }
  return params.map((p) => p.data);
}

describe('optimisers on every backend and ISA', () => {
  restoreBackendAfterEach();

  for (const [name, f] of FACTORIES) {
    it(`${name}: native ISAs agree with the pure-TS backend`, () => {
      select(targets[0]);
      const ref = runList(f, 4, { gradScale: 0.7 });
      for (const t of targets.slice(1)) {
        select(t);
        const got = runList(f, 4, { gradScale: 0.7 });
        got.forEach((g, i) => expectClose(g, ref[i]));
      }
    });

    it(`${name}: a ParamStore gives bit-identical results to a list of tensors`, () => {
      for (const t of targets) {
        select(t);
        const list = runList(f, 3);
        const store = createParamStore(SIZES.map((n) => [n]));
        makeList(SIZES, 1).forEach((p, i) => store.params.views[i].set(p.data));
        const opt = f(store);
        for (let s = 1; s <= 3; s++) {
          setGrads(store.grads.views.map((g) => ({ grad: g })), s, 7);
          opt.step();
        }
        store.params.views.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(list[i])));
      }
    });
  }

  it('results do not depend on the thread count (native)', () => {
    const saved = getNumThreads();
    try {
      for (const t of targets.filter((x) => x.backend === 'native')) {
        select(t);
        const results: Float32Array[] = [];
        for (const threads of [1, 2]) {
          setNumThreads(threads);
          const p = [{ data: rand(300001, 3), grad: rand(300001, 4) }];
          new Adam(p, { amsgrad: true }).step();
          results.push(p[0].data);
        }
        expect(Buffer.compare(Buffer.from(results[0].buffer), Buffer.from(results[1].buffer))).toBe(0);
      }
    } finally {
      setNumThreads(saved);
    }
  });

  it('clipGradNormAndStep equals clipGradNorm followed by step', () => {
    for (const t of targets) {
      select(t);
      for (const [, f] of FACTORIES) {
        for (const maxNorm of [0.5, 1e6]) {
          const a = makeList(SIZES, 5);
          const b = makeList(SIZES, 5);
          const oa = f(a);
          const ob = f(b);
          for (let s = 1; s <= 3; s++) {
            setGrads(a, s, 9);
            setGrads(b, s, 9);
            const total = clipGradNorm(a.map((p) => p.grad), maxNorm);
            oa.step();
            const r = clipGradNormAndStep(ob, maxNorm);
            expect(r.totalNorm).toBeCloseTo(total, 6);
            expect(r.skipped).toBe(false);
            // The documented pattern gives the same too.
            expect(r.gradScale).toBe(Math.min(1, maxNorm / (getTotalNorm(b.map((p) => p.grad)) + 1e-6)));
          }
          a.forEach((p, i) => expectClose(b[i].data, p.data));
        }
      }
    }
  });

  it('a step over non-finite gradients is skipped and changes nothing', () => {
    const snap = (opt: { state(): unknown }, params: { data: Float32Array }[]) =>
      JSON.stringify([opt.state(), params.map((p) => p.data)], (_k, v) => (v instanceof Float32Array ? Array.from(v) : v));
    for (const t of targets) {
      select(t);
      for (const [, f] of FACTORIES) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const params = makeList([5, 40], 2);
          const opt = f(params);
          setGrads(params, 1, 3);
          opt.step();
          const before = snap(opt, params);
          setGrads(params, 2, 3);
          params[1].grad[17] = bad;
          expect(opt.step({ skipIfNonfinite: true })).toEqual({ skipped: true, step: 1 });
          expect(opt.step({ skipIfNonfinite: true, totalNorm: getTotalNorm(params.map((p) => p.grad)) }).skipped).toBe(true);
          expect(clipGradNormAndStep(opt, 1).skipped).toBe(true);
          params[1].grad[17] = 0;
          expect(opt.step({ skipIfNonfinite: true, gradScale: NaN }).skipped).toBe(true);
          expect(snap(opt, params)).toBe(before);
          expect(opt.stepCount).toBe(1);
          // A clean step still goes through.
          expect(clipGradNormAndStep(opt, 1).skipped).toBe(false);
          expect(opt.stepCount).toBe(2);
          expect(snap(opt, params)).not.toBe(before);
        }
      }
    }
  });

  it('state() and loadState() round-trip: a restored optimiser continues identically', () => {
    for (const t of targets) {
      select(t);
      for (const [, f] of FACTORIES) {
        const a = makeList([3, 100], 4);
        const oa = f(a);
        for (let s = 1; s <= 3; s++) {
          setGrads(a, s, 1);
          oa.step();
        }
        const saved = oa.state();
        const b = a.map((p) => ({ data: p.data.slice(), grad: p.grad.slice() }));
        const ob = f(b);
        ob.loadState(saved as never);
        expect(ob.stepCount).toBe(3);
        // state() returns copies: mutating them changes nothing
        const s2 = oa.state() as { expAvg?: Float32Array[]; momentumBuffer?: Float32Array[] | null };
        (s2.expAvg ?? s2.momentumBuffer ?? [new Float32Array(1)])[0].fill(123);
        for (let s = 4; s <= 5; s++) {
          setGrads(a, s, 1);
          setGrads(b, s, 1);
          oa.step();
          ob.step();
        }
        a.forEach((p, i) => expect(Array.from(b[i].data)).toEqual(Array.from(p.data)));
      }
    }
  });

  it('loadState rejects a state of the wrong shape and changes nothing', () => {
    const params = makeList([3, 4], 1);
    const opt = new Adam(params, { amsgrad: true });
    setGrads(params, 1, 1);
    opt.step();
    const good = opt.state();
    expect(() => opt.loadState({ ...good, expAvg: [new Float32Array(3)] })).toThrow(RangeError);
    expect(() => opt.loadState({ ...good, expAvgSq: [new Float32Array(3), new Float32Array(5)] })).toThrow(/state\.expAvgSq\[1\]/);
    expect(() => opt.loadState({ ...good, step: 9, maxExpAvgSq: null })).toThrow(TypeError);
    expect(() => opt.loadState({ ...good, step: -1 })).toThrow(RangeError);
    expect(opt.stepCount).toBe(1);
    expect(opt.state()).toEqual(good);
    const sgd = new SGD(makeList([2], 1), { lr: 0.1, momentum: 0.9 });
    expect(() => sgd.loadState({ step: 1, momentumBuffer: [new Float32Array(3)] })).toThrow(/state\.momentumBuffer\[0\]/);
  });

  it('empty parameter lists and zero-length tensors are accepted', () => {
    for (const t of targets) {
      select(t);
      expect(new Adam([]).step()).toEqual({ skipped: false, step: 1 });
      const p = [{ data: new Float32Array(0), grad: new Float32Array(0) }];
      new SGD(p, { lr: 1, momentum: 0.5 }).step();
    }
  });
});

describe('bad arguments throw errors naming them, and change nothing', () => {
  const ok = () => makeList([3], 1);
  it('rejects bad hyper-parameters', () => {
    expect(() => new SGD(ok(), { lr: -1 })).toThrow(/options\.lr/);
    expect(() => new SGD(ok(), { lr: -1 })).toThrow(RangeError);
    expect(() => new SGD(ok(), {} as never)).toThrow(TypeError);
    expect(() => new SGD(ok(), { lr: 0.1, momentum: -0.5 })).toThrow(/options\.momentum/);
    expect(() => new SGD(ok(), { lr: 0.1, nesterov: true })).toThrow(/options\.nesterov/);
    expect(() => new SGD(ok(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(RangeError);
    expect(() => new Adam(ok(), { lr: -1e-3 })).toThrow(/options\.lr/);
    expect(() => new Adam(ok(), { betas: [1, 0.999] })).toThrow(/options\.betas\[0\]/);
    expect(() => new Adam(ok(), { betas: [0.9, -0.1] })).toThrow(/options\.betas\[1\]/);
    expect(() => new AdamW(ok(), { betas: [0.9] as never })).toThrow(TypeError);
    expect(() => new Adam(ok(), { eps: 0 })).toThrow(/options\.eps/);
    expect(() => new Adam(ok(), { eps: -1 })).toThrow(RangeError);
    expect(() => new Adam(ok(), { weightDecay: -1 })).toThrow(/options\.weightDecay/);
    expect(() => new Adam(ok(), { amsgrad: 1 as never })).toThrow(TypeError);
    const opt = new SGD(ok(), { lr: 0.1 });
    expect(() => (opt.lr = -0.1)).toThrow(RangeError);
  });

  it('rejects bad parameter lists', () => {
    const p = ok()[0];
    expect(() => new SGD([p, p], { lr: 0.1 })).toThrow(/params/);
    expect(() => new SGD([p, { data: p.data, grad: new Float32Array(3) }], { lr: 0.1 })).toThrow(RangeError);
    const buf = new Float32Array(10);
    expect(() => new Adam([{ data: buf.subarray(0, 6), grad: new Float32Array(6) }, { data: buf.subarray(4), grad: new Float32Array(6) }])).toThrow(/overlap/);
    expect(() => new Adam([{ data: [1, 2] as never, grad: new Float32Array(2) }])).toThrow(/params\[0\]\.data/);
    expect(() => new Adam([{ data: new Float32Array(2), grad: new Float32Array(3) }])).toThrow(/params\[0\]\.grad/);
    expect(() => new Adam('x' as never)).toThrow(TypeError);
  });

  for (const t of targets) {
    it(`a step with a missing or wrong-length gradient throws and changes nothing (${t.label})`, () => {
      select(t);
      const params = makeList([3, 5], 1);
      const opt = new Adam(params, { amsgrad: true });
      setGrads(params, 1, 1);
      opt.step();
      const before = params.map((x) => x.data.slice());
      const state = opt.state();
      const g1 = params[1].grad;
      (params[1] as { grad: Float32Array | null }).grad = null;
      expect(() => opt.step()).toThrow(/params\[1\]\.grad/);
      params[1].grad = new Float32Array(4);
      expect(() => opt.step()).toThrow(RangeError);
      params[1].grad = g1;
      expect(() => opt.step({ gradScale: '2' as never })).toThrow(/options\.gradScale/);
      expect(() => opt.step({ skipIfNonfinite: 1 as never })).toThrow(TypeError);
      params.forEach((x, i) => expect(Array.from(x.data)).toEqual(Array.from(before[i])));
      expect(opt.state()).toEqual(state);
    });
  }
});

describe('special values agree between backends', () => {
  restoreBackendAfterEach();
  it('huge, tiny (subnormal), zero and infinite gradients give the same parameters and state on every backend', () => {
    const grads = new Float32Array([1e20, -3e38, 1e-40, -1e-45, 0, -0, 1e-20, 5, Infinity, -Infinity, NaN, 1]);
    const run = (f: Factory) => {
      const params = [{ data: new Float32Array(grads.length).map((_, i) => (i % 3) - 1), grad: grads.slice() }];
      const opt = f(params);
      opt.step();
      opt.step({ gradScale: 0.5 });
      return JSON.stringify([params[0].data, opt.state()], (_k, v) => (v instanceof Float32Array ? Array.from(v, String) : v));
    };
    for (const [, f] of FACTORIES) {
      select(targets[0]);
      const ref = JSON.parse(run(f));
      for (const t of targets.slice(1)) {
        select(t);
        const got = JSON.parse(run(f));
        const flat = (x: unknown): string[] => (Array.isArray(x) ? x.flatMap(flat) : typeof x === 'object' && x !== null ? Object.values(x).flatMap(flat) : [String(x)]);
        const a = flat(got).map(Number);
        const e = flat(ref).map(Number);
        expect(a.length).toBe(e.length);
        a.forEach((x, i) => {
          if (Number.isNaN(e[i]) || !Number.isFinite(e[i])) expect(Object.is(x, e[i]) || (Number.isNaN(x) && Number.isNaN(e[i]))).toBe(true);
          else expect(Math.abs(x - e[i])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(e[i]));
        });
      }
    }
  });
});
