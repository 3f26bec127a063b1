// The GRU op across implementations: every native ISA against the native scalar reference (odd
// hidden sizes for vector tails, NaN/Inf in the inputs at the same positions, clipping on and off),
// the native backend against the pure-TS backend over edge sizes, the *Async forms bit-identical to
// the sync ones (and their buffer rule: a resizable buffer is refused, a transferred one rejects with
// ERR_GRADGUARD_DETACHED), and 1, 2 and 3 threads bit-identical on each ISA.
import { describe, expect, it } from 'vitest';
import { getNumThreads, GradGuardError, nativeAvailable, ops, setIsa, setNumThreads, supportedIsas, useBackend } from '../../lib/index.js';
import { resizableF32, transfer } from '../helpers/buffers.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const rand = lcgFloats;

function expectAgree(a: Float32Array, e: Float32Array, tol: number, what: string): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : !Number.isFinite(e[i]) ? a[i] === e[i] : Math.abs(a[i] - e[i]) <= tol * (1 + Math.abs(e[i]));
    if (!ok) throw new Error(`${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

/** Forward + backward of one GRU case; returns every output array. */
function gruRun(T: number, B: number, I: number, H: number, special: boolean, clip: number, bias = true): () => Float32Array[] {
  const x = rand(T * B * I, H + 1);
  if (special && x.length > 2) {
    x[0] = NaN;
    x[x.length - 1] = Infinity;
  }
  const w = { weightIh: rand(3 * H * I, H + 2, 0.5), weightHh: rand(3 * H * H, H + 3, 0.5), biasIh: bias ? rand(3 * H, H + 4) : null, biasHh: bias ? rand(3 * H, H + 5) : null };
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const h0 = rand(B * H, H + 6);
  const gradOutput = rand(T * B * H, H + 7);
  const gradHN = rand(B * H, H + 8);
  return () => {
    const f = ops.gruForward(x, w, shape, { h0 });
    const g = ops.gruBackward(x, w, shape, f.workspace, { h0, gradOutput, gradHN, clipHiddenGradNorm: clip });
    const out = [f.output, f.hN, f.workspace, g.gradInput, g.gradH0, g.gradWeightIh, g.gradWeightHh];
    if (bias) out.push(g.gradBiasIh!, g.gradBiasHh!);
    return out;
  };
}

const isas = nativeAvailable() ? (useBackend('native'), supportedIsas()) : [];

describe.each(isas.filter((i) => i !== 'scalar'))('GRU: native/%s agrees with native/scalar', (isa) => {
  const cases: [string, () => Float32Array[]][] = [];
  for (const H of [1, 3, 7, 8, 9, 16, 17, 33]) {
    for (const special of [false, true]) cases.push([`H=${H}${special ? ' NaN/Inf' : ''}`, gruRun(3, 2, 5, H, special, special ? 0 : 0.3)]);
  }
  cases.push(['batch 0', gruRun(2, 0, 3, 5, false, 0)]);
  cases.push(['no bias', gruRun(4, 3, 2, 9, false, 0, false)]);
  it.each(cases)('%s', (_name, run) => {
    useBackend('native');
    setIsa('scalar');
    const ref = run();
    setIsa(isa);
    const got = run();
    setIsa(supportedIsas()[0]);
    ref.forEach((r, k) => expectAgree(got[k], r, 2e-4, `output ${k}`));
  });
});

describe.runIf(nativeAvailable())('GRU: native agrees with the pure-TS backend', () => {
  it.each([
    [1, 1, 1, 1],
    [1, 0, 3, 4],
    [2, 3, 4, 7],
    [3, 2, 9, 8],
    [5, 4, 6, 17],
    [20, 5, 16, 40],
  ])('T=%d B=%d I=%d H=%d', (T, B, I, H) => {
    const run = gruRun(T, B, I, H, false, 0);
    useBackend('js');
    const ref = run();
    useBackend('native');
    const got = run();
    ref.forEach((r, k) => expectAgree(got[k], r, 5e-4, `output ${k}`));
  });
});

describe.each(isas)('GRU on native/%s: 1, 2 and 3 threads give the same bits', (isa) => {
  it('forward and backward, with and without clipping', () => {
    useBackend('native');
    setIsa(isa);
    const before = getNumThreads();
    try {
      for (const clip of [0, 0.1]) {
        // B·3H above the step kernels' 16384-float parallel threshold (rnn.cc for_rows)
        const run = gruRun(4, 64, 20, 90, false, clip);
        setNumThreads(1);
        const one = run();
        for (const threads of [2, 3]) {
          setNumThreads(threads);
          run().forEach((r, k) => expect(Buffer.from(r.buffer, r.byteOffset, r.byteLength).equals(Buffer.from(one[k].buffer, one[k].byteOffset, one[k].byteLength))).toBe(true));
        }
      }
    } finally {
      setNumThreads(before);
      setIsa(supportedIsas()[0]);
    }
  });
});

describe.each(targets)('gruForwardAsync / gruBackwardAsync on $name', (t) => {
  useTarget(t);
  const shape = { seqLen: 4, batch: 3, inputSize: 5, hiddenSize: 7 };
  const x = rand(60, 1);
  const h0 = rand(21, 2);
  const w = { weightIh: rand(105, 3), weightHh: rand(147, 4), biasIh: rand(21, 5), biasHh: rand(21, 6) };
  const same = (a: Float32Array | null, b: Float32Array | null): void => expect(a === null ? null : Array.from(a)).toEqual(b === null ? null : Array.from(b));

  it('equal the sync forms', async () => {
    const f = ops.gruForward(x, w, shape, { h0 });
    const fa = await ops.gruForwardAsync(x, w, shape, { h0 });
    same(fa.output, f.output);
    same(fa.hN, f.hN);
    same(fa.workspace, f.workspace);
    const opts = { h0, gradOutput: rand(84, 7), gradHN: rand(21, 8), clipHiddenGradNorm: 0.5 };
    const g = ops.gruBackward(x, w, shape, f.workspace, opts);
    const ga = await ops.gruBackwardAsync(x, w, shape, fa.workspace, opts);
    for (const k of ['gradInput', 'gradH0', 'gradWeightIh', 'gradWeightHh', 'gradBiasIh', 'gradBiasHh'] as const) same(ga[k], g[k]);
  });

  it('refuse a resizable buffer and reject when a buffer is transferred while they run', async () => {
    await expect(ops.gruForwardAsync(x, w, shape, { workspace: resizableF32(ops.gruWorkspaceSize(4, 3, 7)) })).rejects.toThrow(/options\.workspace: .*resizable ArrayBuffer/);
    await expect(ops.gruBackwardAsync(x, w, shape, ops.gruForward(x, w, shape).workspace, { grads: { gradBiasHh: resizableF32(21) } })).rejects.toThrow(/options\.grads\.gradBiasHh: /);
    const workspace = new Float32Array(ops.gruWorkspaceSize(4, 3, 7));
    const p = ops.gruForwardAsync(x, w, shape, { workspace });
    transfer(workspace);
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GradGuardError);
    expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/^options\.workspace: /);
  });

  it('reject with the sync form\'s error', async () => {
    await expect(ops.gruForwardAsync(x, { ...w, weightHh: new Float32Array(3) }, shape)).rejects.toThrow(/weights\.weightHh/);
    await expect(ops.gruBackwardAsync(x, w, shape, new Float32Array(5))).rejects.toThrow(/^workspace/);
  });
});
