// conv2d / conv1d across implementations: every native ISA against the native scalar ISA and the
// pure-TS backend (odd sizes for vector tails, NaN and Inf positions), async the same bits as sync,
// the same bits at 1, 2 and 3 threads, and the addon's own re-checks of what the TS layer validated.
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { getNumThreads, nativeAvailable, ops, setIsa, setNumThreads, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats } from '../helpers/random.js';
import { geo, lengths, opts2d, SHAPES, type Geo } from './conv-ref.js';

const native = nativeAvailable();
const isas = native ? (useBackend('native'), supportedIsas()) : [];
const threads0 = native ? getNumThreads() : 1;

afterAll(() => {
  if (!native) return;
  useBackend('native');
  setIsa(isas[0]);
  setNumThreads(threads0);
});

interface Out {
  y: Float32Array;
  gradX: Float32Array;
  gradWeight: Float32Array;
  gradBias: Float32Array;
}

function data(s: Geo, special: boolean) {
  const L = lengths(s);
  const x = lcgFloats(L.x, 7 + L.x, 2);
  const w = lcgFloats(L.w, 8 + L.w);
  const b = lcgFloats(s.co, 9);
  const gy = lcgFloats(L.y, 10 + L.y);
  if (special && L.x > 5) {
    x[3] = NaN;
    x[L.x - 2] = Infinity;
  }
  return { x, w, b, gy };
}

function run(s: Geo, special = false): Out {
  const { x, w, b, gy } = data(s, special);
  const L = lengths(s);
  const o = opts2d(s);
  const out = { y: new Float32Array(L.y), gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w), gradBias: new Float32Array(s.co) };
  ops.conv2dForward(x, w, b, out.y, o);
  ops.conv2dBackward(x, w, gy, { gradX: out.gradX, gradWeight: out.gradWeight, gradBias: out.gradBias }, o);
  return out;
}

async function runAsync(s: Geo): Promise<Out> {
  const { x, w, b, gy } = data(s, false);
  const L = lengths(s);
  const o = opts2d(s);
  const out = { y: new Float32Array(L.y), gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w), gradBias: new Float32Array(s.co) };
  await ops.conv2dForwardAsync(x, w, b, out.y, o);
  await ops.conv2dBackwardAsync(x, w, gy, { gradX: out.gradX, gradWeight: out.gradWeight, gradBias: out.gradBias }, o);
  return out;
}

function expectAgree(a: Out, e: Out, tol: number): void {
  for (const k of ['y', 'gradX', 'gradWeight', 'gradBias'] as const) {
    expect(a[k].length).toBe(e[k].length);
    for (let i = 0; i < e[k].length; i++) {
      const ev = e[k][i];
      const av = a[k][i];
      const ok = Number.isNaN(ev) ? Number.isNaN(av) : !Number.isFinite(ev) ? av === ev : Math.abs(av - ev) <= tol * (1 + Math.abs(ev));
      if (!ok) throw new Error(`${k}[${i}]: ${av}, expected ${ev}`);
    }
  }
}

const bits = (o: Out): Uint32Array[] => [o.y, o.gradX, o.gradWeight, o.gradBias].map((t) => new Uint32Array(t.buffer, t.byteOffset, t.length));

// Shapes with more samples than the gradWeight chunk plan has chunks, and with many column blocks.
const BIG: [string, Geo][] = [
  ['17 samples, 3x3 pad 1', geo({ n: 17, ci: 5, co: 7, h: 9, w: 11, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['wide 1x1, 600 positions', geo({ n: 3, ci: 13, co: 35, h: 20, w: 30, kh: 1, kw: 1 })],
];

describe.runIf(native)('conv on every native ISA agrees with the native scalar ISA and the pure-TS backend', () => {
  it.each([...SHAPES, ...BIG])('%s', (_, s) => {
    for (const special of [false, true]) {
      useBackend('js');
      const js = run(s, special);
      useBackend('native');
      setIsa('scalar');
      const ref = run(s, special);
      expectAgree(ref, js, 2e-5);
      for (const isa of isas) {
        setIsa(isa);
        expectAgree(run(s, special), ref, 2e-5);
      }
    }
  });

  it.each(isas.map((i) => [i]))('%s: async gives the same bits as sync', async (isa) => {
    useBackend('native');
    setIsa(isa);
    for (const [, s] of [...SHAPES.slice(0, 6), ...BIG]) {
      expect(bits(await runAsync(s))).toEqual(bits(run(s)));
    }
  });

  it.each(isas.map((i) => [i]))('%s: 1, 2 and 3 threads give the same bits', (isa) => {
    useBackend('native');
    setIsa(isa);
    for (const [, s] of [...SHAPES, ...BIG]) {
      setNumThreads(1);
      const one = bits(run(s));
      for (const t of [2, 3]) {
        setNumThreads(t);
        expect(bits(run(s))).toEqual(one);
      }
    }
    setNumThreads(threads0);
  });

  it('the addon re-checks lengths, types and the geometry itself', () => {
    const a = loadAddon();
    const g = [1, 2, 4, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1] as const;
    const f = (n: number) => new Float32Array(n);
    expect(() => a.convForward(f(50), f(72), null, f(36), ...g)).not.toThrow();
    expect(() => a.convForward(f(49), f(72), null, f(36), ...g)).toThrow(/x must have 50 elements/);
    expect(() => a.convForward(f(50), f(72), f(3), f(36), ...g)).toThrow(/bias must have 4 elements/);
    expect(() => a.convForward(f(50), f(72), null, f(35), ...g)).toThrow(/y must have 36 elements/);
    expect(() => a.convForward(f(50), new Float64Array(72) as unknown as Float32Array, null, f(36), ...g)).toThrow(TypeError);
    expect(() => a.convBackward(f(50), f(72), f(36), f(1), null, null, ...g, false)).toThrow(/gradX must have 50 elements/);
    expect(() => a.convBackward(f(50), f(72), f(36), null, f(1), null, ...g, false)).toThrow(/gradWeight must have 72 elements/);
    const bad = (i: number, v: number) => {
      const h = [...g] as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
      h[i] = v;
      return () => a.convForward(f(50), f(72), null, f(36), ...h);
    };
    expect(bad(7, 0)).toThrow(/geometry is invalid/); // stride 0
    expect(bad(5, 9)).toThrow(/geometry is invalid/); // kernel larger than the input
    expect(bad(13, 3)).toThrow(/geometry is invalid/); // groups not dividing
    expect(bad(0, 2 ** 40)).toThrow(/geometry is invalid|must have/); // products that would wrap
    expect(bad(3, 1.5)).toThrow(/height must be a non-negative integer/);
  });
});
