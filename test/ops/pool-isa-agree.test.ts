// Pooling, BatchNorm2d and dropout through the public ops: every native ISA bit-identical to the
// native scalar reference (pooling, dropout) or within float64-rounding distance (BatchNorm2d's
// FMA column loops); native against the pure-TS backend (bit-identical where both compute in
// the same order: pooling, dropout, BatchNorm2d on the scalar ISA); the *Async forms equal the
// sync ones; 1, 2 and 5 threads bit-identical on each ISA. Odd widths for vector tails, NaN/Inf.
import { afterAll, describe, expect, it } from 'vitest';
import { getNumThreads, nativeAvailable, ops, Rng, setIsa, setNumThreads, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats } from '../helpers/random.js';

type Run = () => Promise<Float32Array[]> | Float32Array[];

const shape4 = (n: number, c: number, h: number, w: number) => ({ batch: n, channels: c, height: h, width: w });

/** Integer-valued data (ties) with a NaN, ±Inf and a huge value. */
function poolData(n: number, seed: number): Float32Array {
  const x = Float32Array.from(lcgFloats(n, seed, 4), (v) => Math.round(v));
  if (n > 40) {
    x[3] = NaN;
    x[17] = Infinity;
    x[18] = -Infinity;
    x[33] = 3e38;
  }
  return x;
}

function maxRun(h: number, w: number, k: number, s: number, p: number, d: number, ceil: boolean, async: boolean): Run {
  const o = { ...shape4(2, 3, h, w), kernelSize: k, stride: s, padding: p, dilation: d, ceilMode: ceil };
  const [oh, ow] = ops.maxPool2dOutputSize(o);
  const x = poolData(6 * h * w, h * 100 + w);
  const gy = lcgFloats(6 * oh * ow, 7);
  return async () => {
    const y = new Float32Array(gy.length);
    const idx = new Int32Array(gy.length);
    const gx = new Float32Array(x.length);
    if (async) {
      await ops.maxPool2dForwardAsync(x, y, idx, o);
      await ops.maxPool2dBackwardAsync(gy, idx, gx, o);
    } else {
      ops.maxPool2dForward(x, y, idx, o);
      ops.maxPool2dBackward(gy, idx, gx, o);
    }
    return [y, new Float32Array(Float64Array.from(idx)), gx];
  };
}

function avgRun(h: number, w: number, k: number, s: number, p: number, include: boolean, async: boolean): Run {
  const o = { ...shape4(2, 3, h, w), kernelSize: k, stride: s, padding: p, countIncludePad: include };
  const [oh, ow] = ops.avgPool2dOutputSize(o);
  const x = poolData(6 * h * w, h * 10 + w);
  const gy = lcgFloats(6 * oh * ow, 8);
  const a = { ...shape4(2, 3, h, w), outputSize: [Math.max(1, oh - 1), ow + 1] as [number, number] };
  return async () => {
    const y = new Float32Array(gy.length);
    const gx = new Float32Array(x.length);
    const ay = new Float32Array(6 * a.outputSize[0] * a.outputSize[1]);
    const agx = new Float32Array(x.length);
    if (async) {
      await ops.avgPool2dForwardAsync(x, y, o);
      await ops.avgPool2dBackwardAsync(gy, gx, o);
      await ops.adaptiveAvgPool2dForwardAsync(x, ay, a);
      await ops.adaptiveAvgPool2dBackwardAsync(ay, agx, a);
    } else {
      ops.avgPool2dForward(x, y, o);
      ops.avgPool2dBackward(gy, gx, o);
      ops.adaptiveAvgPool2dForward(x, ay, a);
      ops.adaptiveAvgPool2dBackward(ay, agx, a);
    }
    return [y, gx, ay, agx];
  };
}

function bnRun(n: number, c: number, h: number, w: number, training: boolean, async: boolean): Run {
  const x = lcgFloats(n * c * h * w, h * w + c, 3, 1);
  x[h * w + 1] = NaN; // channel 1
  const gy = lcgFloats(x.length, 9);
  const weight = lcgFloats(c, 10);
  const bias = lcgFloats(c, 11);
  const shape = [n, c, h, w] as [number, number, number, number];
  return async () => {
    const rm = lcgFloats(c, 12);
    const rv = lcgFloats(c, 13, 0.5, 1);
    const opts = { weight, bias, runningMean: rm, runningVar: rv, training };
    const f = async ? await ops.batchNorm2dAsync(x, shape, opts) : ops.batchNorm2d(x, shape, opts);
    const g = async ? await ops.batchNorm2dBackwardAsync(gy, x, shape, f, { weight }) : ops.batchNorm2dBackward(gy, x, shape, f, { weight });
    return [f.y, rm, rv, g.gradX, g.gradWeight, g.gradBias];
  };
}

function dropoutRun(n: number, group: number): Run {
  const x = lcgFloats(n * group, n, 5);
  if (x.length > 4) x[3] = NaN;
  return () => {
    const y = new Float32Array(x.length);
    const mask = new Uint8Array(n);
    ops.dropout(x, y, mask, { p: 0.4, groupSize: group, rng: new Rng(n) });
    const gx = ops.dropoutBackward(x, mask, new Float32Array(x.length), { p: 0.4, groupSize: group });
    return [y, Float32Array.from(mask), gx];
  };
}

function cases(async: boolean): [string, Run, number][] {
  const out: [string, Run, number][] = [];
  for (const w of [1, 7, 8, 9, 16, 17, 33, 28]) {
    out.push([`max 3x3/2 p1 w=${w}`, maxRun(5, w + 2, 3, 2, 1, 1, false, async), 0]);
    out.push([`max 2x2/1 w=${w}`, maxRun(4, w + 1, 2, 1, 0, 1, true, async), 0]);
    out.push([`max 3x3/3 d2 w=${w}`, maxRun(6, w + 4, 3, 3, 1, 2, true, async), 0]);
    out.push([`avg 3x3/1 p1 incl w=${w}`, avgRun(4, w + 2, 3, 1, 1, true, async), 0]);
    out.push([`avg 2x2/2 p1 excl w=${w}`, avgRun(5, w + 1, 2, 2, 1, false, async), 0]);
  }
  for (const [h, w] of [[1, 1], [1, 2], [3, 5], [7, 9], [28, 28]]) {
    out.push([`batchnorm2d train ${h}x${w}`, bnRun(3, 5, h, w, true, async), 1e-6]);
    out.push([`batchnorm2d eval ${h}x${w}`, bnRun(2, 4, h, w, false, async), 1e-6]);
  }
  if (!async) for (const [n, g] of [[0, 1], [1, 1], [15, 1], [33, 1], [1000, 1], [10, 9], [7, 64], [5, 784]]) out.push([`dropout ${n}x${g}`, dropoutRun(n, g), 0]);
  return out;
}

function expectAgree(a: Float32Array[], e: Float32Array[], tol: number, what: string): void {
  expect(a.length).toBe(e.length);
  for (let t = 0; t < e.length; t++) {
    expect(a[t].length, what).toBe(e[t].length);
    for (let i = 0; i < e[t].length; i++) {
      const [x, y] = [a[t][i], e[t][i]];
      if (tol === 0 || !Number.isFinite(y)) {
        if (!Object.is(x, y) && !(x === 0 && y === 0)) throw new Error(`${what}: output ${t}[${i}] = ${x}, expected ${y}`);
      } else if (!(Math.abs(x - y) <= tol * (1 + Math.abs(y)))) {
        throw new Error(`${what}: output ${t}[${i}] = ${x}, expected ${y} (tolerance ${tol})`);
      }
    }
  }
}

const native = nativeAvailable();
const isas = native ? (useBackend('native'), supportedIsas()) : [];

// Without the addon there is nothing to compare: the block then holds no tests (as isa-agree.test.ts).
describe.each(native ? ['native'] : [])('pool/batchnorm2d/dropout on %s: ISAs, backends, async and threads agree', () => {
  const threads = native ? getNumThreads() : 1;
  afterAll(() => {
    useBackend('native');
    setIsa(isas[0]);
    setNumThreads(threads);
  });

  it('every ISA matches the native scalar reference, and native matches the pure-TS backend', async () => {
    const list = cases(false);
    useBackend('js');
    const js: Float32Array[][] = [];
    for (const [, run] of list) js.push(await run());
    useBackend('native');
    setIsa('scalar');
    const ref: Float32Array[][] = [];
    for (const [name, run] of list) ref.push(await run());
    // Scalar native against pure-TS: the same algorithm in the same order (bit-identical).
    list.forEach(([name], i) => expectAgree(ref[i], js[i], 0, `scalar vs js: ${name}`));
    for (const isa of isas) {
      setIsa(isa);
      for (let i = 0; i < list.length; i++) {
        const [name, run, tol] = list[i];
        expectAgree(await run(), ref[i], tol, `${isa}: ${name}`);
      }
    }
  });

  it('the *Async forms give what the sync forms give, on every ISA', async () => {
    const sync = cases(false).filter(([name]) => !name.startsWith('dropout'));
    const async = cases(true);
    expect(async.length).toBe(sync.length);
    for (const isa of isas) {
      useBackend('native');
      setIsa(isa);
      for (let i = 0; i < sync.length; i++) expectAgree(await async[i][1](), await sync[i][1](), 0, `${isa} async: ${async[i][0]}`);
    }
    useBackend('js');
    for (let i = 0; i < sync.length; i++) expectAgree(await async[i][1](), await sync[i][1](), 0, `js async: ${async[i][0]}`);
    useBackend('native');
  });

  it('1, 2 and 5 threads give bit-identical results on every ISA', async () => {
    const big: [string, Run][] = [
      ['max 3x3/2 (8,16,28,28)', maxRun(28, 28, 3, 2, 1, 1, false, false)],
      ['avg', avgRun(28, 29, 3, 1, 1, true, false)],
      ['batchnorm2d (6,16,14,14)', bnRun(6, 16, 14, 14, true, false)],
      ['dropout', dropoutRun(300_000, 1)],
    ];
    useBackend('native');
    for (const isa of isas) {
      setIsa(isa);
      setNumThreads(1);
      const one = [];
      for (const [, run] of big) one.push(await run());
      for (const t of [2, 5]) {
        setNumThreads(t);
        for (let i = 0; i < big.length; i++) expectAgree(await big[i][1](), one[i], 0, `${isa} ${t} threads: ${big[i][0]}`);
      }
    }
    setNumThreads(threads);
  });
});
