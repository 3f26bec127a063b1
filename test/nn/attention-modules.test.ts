// nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.Embedding, nn.Softmax and nn.LogSoftmax:
// MultiheadAttention against PyTorch's golden `mha` cases (weights through loadStateDict), its
// state-dict keys, init and argument errors, dropout in training vs eval; the encoder layer's pre-
// and post-norm shapes, keys and a finite-difference check through the whole layer; Embedding with a
// padding row and out-of-range indices; the softmax modules. Every block runs on every backend/ISA.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getNumThreads, manualSeed, nn, setNumThreads } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

interface GoldenTensor {
  shape: number[];
  data: (number | string)[];
}
interface Case {
  name: string;
  params: Record<string, unknown>;
  inputs: Record<string, GoldenTensor>;
  outputs: Record<string, GoldenTensor>;
  rtol: number;
  atol: number;
}

// The attn branch copies attention.json into test/fixtures/golden; until then read the shared set.
const fixture = new URL('../fixtures/golden/attention.json', import.meta.url);
const shared = new URL('../../../shared/golden/attention.json', import.meta.url);
const mhaCases = (): Case[] => (JSON.parse(readFileSync(existsSync(fixture) ? fixture : shared, 'utf8')).cases as Case[]).filter((c) => c.params.kind === 'mha');
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const t = (g: GoldenTensor): nn.Tensor => nn.tensor(Float32Array.from(g.data, num), g.shape);

function close(c: Case, name: string, got: Float32Array, want: GoldenTensor): void {
  expect(got.length, `${c.name} ${name} length`).toBe(want.data.length);
  for (let i = 0; i < got.length; i++) {
    const w = num(want.data[i]);
    if (!(Math.abs(got[i] - w) <= c.atol + c.rtol * Math.abs(w))) expect.fail(`${c.name} ${name}[${i}]: got ${got[i]}, want ${w}`);
  }
}

/** Σ y·w for a fixed random w: a scalar loss whose gradient with respect to y is w. */
function dot(y: Float32Array, w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}

/** Central differences of Σ y·w against backward, for parameters and the input. */
function gradcheck(forward: () => nn.Tensor, model: nn.Module, x: nn.Tensor, h = 1e-2): number {
  const y0 = forward();
  const w = randomFloats(y0.data.length, 99);
  model.zeroGrad();
  const gx = model.backward(nn.tensor(w, y0.shape)).data.slice();
  const cases: [string, Float32Array, Float32Array][] = model.namedParameters().map(([n, p]) => [n, p.data, p.grad.slice()]);
  cases.push(['input', x.data, gx]);
  let checked = 0;
  for (const [name, data, grad] of cases) {
    const stride = Math.max(1, Math.floor(data.length / 10));
    for (let i = 0; i < data.length; i += stride) {
      const v = data[i];
      data[i] = v + h;
      const lp = dot(forward().data, w);
      data[i] = v - h;
      const lm = dot(forward().data, w);
      data[i] = v;
      const fd = (lp - lm) / (2 * h);
      if (Math.abs(fd - grad[i]) > 3e-3 + 2e-2 * Math.abs(fd)) expect.fail(`${name}[${i}]: backward ${grad[i]}, finite difference ${fd}`);
      checked++;
    }
  }
  return checked;
}

describe.each(targets)('attention and embedding modules on $name', (target) => {
  useTarget(target);

  describe('MultiheadAttention', () => {
    it.each(mhaCases())('matches PyTorch: $name', (c) => {
      const p = c.params;
      const m = new nn.MultiheadAttention(p.embed_dim as number, p.num_heads as number, { bias: p.bias as boolean });
      m.loadStateDict({
        in_proj_weight: c.inputs.in_proj_weight as nn.StateTensor,
        in_proj_bias: c.inputs.in_proj_bias as nn.StateTensor,
        'out_proj.weight': c.inputs.out_proj_weight as nn.StateTensor,
        'out_proj.bias': c.inputs.out_proj_bias as nn.StateTensor,
      });
      const y = m.forward(t(c.inputs.x), { causal: p.causal as boolean });
      close(c, 'y', y.data, c.outputs.y);
      m.zeroGrad();
      const gx = m.backward(t(c.inputs.grad_y));
      close(c, 'grad_x', gx.data, c.outputs.grad_x);
      close(c, 'grad_in_proj_weight', m.inProjWeight.grad, c.outputs.grad_in_proj_weight);
      close(c, 'grad_in_proj_bias', m.inProjBias!.grad, c.outputs.grad_in_proj_bias);
      close(c, 'grad_out_proj_weight', m.outProj.weight.grad, c.outputs.grad_out_proj_weight);
      close(c, 'grad_out_proj_bias', m.outProj.bias!.grad, c.outputs.grad_out_proj_bias);
    });

    it("has PyTorch's state-dict keys, and drops the biases with bias: false", () => {
      const m = new nn.MultiheadAttention(8, 2, { seed: 1 });
      expect(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape])).toEqual([
        ['in_proj_weight', [24, 8]],
        ['in_proj_bias', [24]],
        ['out_proj.weight', [8, 8]],
        ['out_proj.bias', [8]],
      ]);
      expect(Object.keys(new nn.MultiheadAttention(8, 2, { bias: false }).stateDict())).toEqual(['in_proj_weight', 'out_proj.weight']);
    });

    it("initialises as PyTorch: xavier-uniform in_proj, zero biases, out_proj as Linear; a seed reproduces it", () => {
      const m = new nn.MultiheadAttention(16, 4, { seed: 3 });
      const bound = Math.sqrt(6 / (16 + 48));
      const w = m.inProjWeight.data;
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * bound);
      expect(m.inProjBias!.data.every((v) => v === 0)).toBe(true);
      expect(m.outProj.bias!.data.every((v) => v === 0)).toBe(true);
      const ow = m.outProj.weight.data;
      expect(Math.max(...ow.map(Math.abs))).toBeLessThanOrEqual(1 / 4); // kaiming_uniform(a=√5): 1/√fan_in
      expect(new nn.MultiheadAttention(16, 4, { seed: 3 }).inProjWeight.data).toEqual(w);
      expect(new nn.MultiheadAttention(16, 4, { seed: 4 }).inProjWeight.data).not.toEqual(w);
    });

    it('refuses embedDim not divisible by numHeads (naming both), a bad dropout and unknown options', () => {
      expect(() => new nn.MultiheadAttention(10, 4)).toThrow(RangeError);
      expect(() => new nn.MultiheadAttention(10, 4)).toThrow(/embedDim.*numHeads \(4\).*10/);
      expect(() => new nn.MultiheadAttention(8, 0)).toThrow(RangeError);
      expect(() => new nn.MultiheadAttention(8, 2, { dropout: 1.5 })).toThrow(/options\.dropout/);
      expect(() => new nn.MultiheadAttention(8, 2, { kdim: 4 } as never)).toThrow(/kdim is not supported yet/);
    });

    it('refuses a mask of the wrong shape or type, and x of the wrong shape, before anything is written', () => {
      const m = new nn.MultiheadAttention(8, 2, { seed: 1 });
      const x = nn.tensor(randomFloats(4 * 2 * 8, 1), [4, 2, 8]);
      const y = m.forward(x).data.slice();
      expect(() => m.forward(x, { attnMask: nn.tensor(new Float32Array(12), [4, 3]) })).toThrow(RangeError);
      expect(() => m.forward(x, { attnMask: nn.tensor(new Float32Array(12), [4, 3]) })).toThrow(/attnMask: expected shape \[4, 4\].*got shape \[4, 3\]/);
      expect(() => m.forward(x, { attnMask: new Float32Array(16) as never })).toThrow(TypeError);
      expect(() => m.forward(x, { causal: 1 as never })).toThrow(TypeError);
      expect(() => m.forward(x, { keyPaddingMask: null } as never)).toThrow(/not supported yet/);
      expect(() => m.forward(nn.tensor(new Float32Array(4 * 2 * 6), [4, 2, 6]))).toThrow(/expected shape \[L, batch, 8\]/);
      expect(() => m.backward(nn.tensor(new Float32Array(8), [1, 1, 8]))).toThrow(RangeError);
      // The failed calls left the last forward's output alone.
      expect(m.forward(x).data).toEqual(y);
    });

    it('an additive mask equal to the causal mask gives the causal result; the first query attends only to itself', () => {
      const L = 5, B = 2, E = 8;
      const m = new nn.MultiheadAttention(E, 2, { seed: 2 });
      const x = nn.tensor(randomFloats(L * B * E, 2), [L, B, E]);
      const causal = m.forward(x, { causal: true }).data.slice();
      const mask = new Float32Array(L * L);
      for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) mask[i * L + j] = -Infinity;
      const masked = m.forward(x, { attnMask: nn.tensor(mask, [L, L]) }).data;
      for (let i = 0; i < causal.length; i++) expect(masked[i]).toBeCloseTo(causal[i], 5);
      // Changing a later position does not change the first position's output under the causal mask.
      const x2 = nn.tensor(x.data.slice(), [L, B, E]);
      x2.data[(L - 1) * B * E] += 1;
      const y2 = m.forward(x2, { causal: true }).data;
      for (let i = 0; i < B * E; i++) expect(y2[i]).toBeCloseTo(causal[i], 6);
      expect(m.forward(x2).data[0]).not.toBeCloseTo(causal[0], 6);
    });

    it('backward matches finite differences, causal and with an additive mask', () => {
      const L = 4, B = 2, E = 6;
      const m = new nn.MultiheadAttention(E, 3, { seed: 5 });
      m.inProjBias!.data.set(randomFloats(3 * E, 6, -0.5, 0.5));
      m.outProj.bias!.data.set(randomFloats(E, 7, -0.5, 0.5));
      const x = nn.tensor(randomFloats(L * B * E, 8), [L, B, E]);
      const mask = nn.tensor(randomFloats(L * L, 9, -1, 1), [L, L]);
      expect(gradcheck(() => m.forward(x, { causal: true, attnMask: mask }), m, x)).toBeGreaterThan(30);
    });

    for (const [E, heads] of [[32, 2], [64, 2]] as const) {
      it(`matches a float64 reference at headDim ${E / heads} (heads copied in bulk), causal, and its backward matches finite differences`, () => {
        const L = 5, B = 2, hd = E / heads;
        const m = new nn.MultiheadAttention(E, heads, { seed: 14 });
        m.inProjBias!.data.set(randomFloats(3 * E, 15, -0.5, 0.5));
        m.outProj.bias!.data.set(randomFloats(E, 16, -0.5, 0.5));
        const x = nn.tensor(randomFloats(L * B * E, 17), [L, B, E]);
        const y = m.forward(x, { causal: true }).data;
        const W = m.inProjWeight.data, bi = m.inProjBias!.data, Wo = m.outProj.weight.data, bo = m.outProj.bias!.data;
        const proj = (l: number, b: number, row: number): number => {
          let s = bi[row];
          for (let c = 0; c < E; c++) s += W[row * E + c] * x.data[(l * B + b) * E + c];
          return s;
        };
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < L; i++) {
            const o = new Float64Array(E);
            for (let h = 0; h < heads; h++) {
              const sc: number[] = [];
              for (let j = 0; j <= i; j++) {
                let d = 0;
                for (let t = 0; t < hd; t++) d += proj(i, b, h * hd + t) * proj(j, b, E + h * hd + t);
                sc.push(d / Math.sqrt(hd));
              }
              const mx = Math.max(...sc);
              const p = sc.map((v) => Math.exp(v - mx));
              const z = p.reduce((a, c) => a + c, 0);
              for (let j = 0; j <= i; j++) for (let t = 0; t < hd; t++) o[h * hd + t] += (p[j] / z) * proj(j, b, 2 * E + h * hd + t);
            }
            for (let r = 0; r < E; r++) {
              let want = bo[r];
              for (let c = 0; c < E; c++) want += Wo[r * E + c] * o[c];
              expect(Math.abs(y[(i * B + b) * E + r] - want), `y[${i}, ${b}, ${r}]`).toBeLessThan(1e-4 + 1e-4 * Math.abs(want));
            }
          }
        }
        expect(gradcheck(() => m.forward(x, { causal: true }), m, x)).toBeGreaterThan(40);
      });
    }

    it('drops attention weights in training only: eval equals dropout 0; p = 1 leaves only the output bias', () => {
      const L = 6, B = 2, E = 8;
      const x = nn.tensor(randomFloats(L * B * E, 10), [L, B, E]);
      const plain = new nn.MultiheadAttention(E, 2, { seed: 7 });
      const drop = new nn.MultiheadAttention(E, 2, { seed: 7, dropout: 0.5 });
      drop.outProj.bias!.data.fill(0.25);
      plain.outProj.bias!.data.fill(0.25);
      const want = plain.forward(x, { causal: true }).data.slice();
      manualSeed(1);
      const trained = drop.forward(x, { causal: true }).data.slice();
      expect(trained).not.toEqual(want);
      drop.eval();
      const evaluated = drop.forward(x, { causal: true }).data;
      for (let i = 0; i < want.length; i++) expect(evaluated[i]).toBeCloseTo(want[i], 5);
      const all = new nn.MultiheadAttention(E, 2, { seed: 7, dropout: 1 });
      all.outProj.bias!.data.fill(0.25);
      expect(Array.from(all.forward(x).data).every((v) => v === 0.25)).toBe(true);
      all.zeroGrad();
      all.backward(nn.tensor(randomFloats(L * B * E, 11), [L, B, E]));
      expect(all.inProjWeight.grad.every((v) => v === 0)).toBe(true);
    });

    it('the training-dropout path backpropagates through the dropped weights (finite differences, fixed draws)', () => {
      const L = 4, B = 1, E = 4;
      const m = new nn.MultiheadAttention(E, 2, { seed: 12, dropout: 0.3 });
      const x = nn.tensor(randomFloats(L * B * E, 13), [L, B, E]);
      // Re-seeding before each forward replays the same dropout mask.
      const fwd = (): nn.Tensor => {
        manualSeed(42);
        return m.forward(x, { causal: true });
      };
      expect(gradcheck(fwd, m, x)).toBeGreaterThan(20);
    });
  });

  describe('TransformerEncoderLayer', () => {
    it("has PyTorch's submodule names and state-dict keys", () => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, seed: 1 });
      expect(layer.namedChildren().map(([n]) => n)).toEqual(['self_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2']);
      expect(Object.entries(layer.stateDict()).map(([k, v]) => [k, v.shape])).toEqual([
        ['self_attn.in_proj_weight', [24, 8]],
        ['self_attn.in_proj_bias', [24]],
        ['self_attn.out_proj.weight', [8, 8]],
        ['self_attn.out_proj.bias', [8]],
        ['linear1.weight', [16, 8]],
        ['linear1.bias', [16]],
        ['linear2.weight', [8, 16]],
        ['linear2.bias', [8]],
        ['norm1.weight', [8]],
        ['norm1.bias', [8]],
        ['norm2.weight', [8]],
        ['norm2.bias', [8]],
      ]);
      expect(new nn.TransformerEncoderLayer(8, 2).linear1.outFeatures).toBe(2048);
    });

    for (const normFirst of [false, true]) {
      it(`${normFirst ? 'pre' : 'post'}-norm keeps the shape [L, batch, dModel]${normFirst ? '' : ' and normalises each output row'}`, () => {
        const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, normFirst, seed: 2 });
        const x = nn.tensor(randomFloats(5 * 3 * 8, 3, -2, 2), [5, 3, 8]);
        const y = layer.forward(x, { causal: true });
        expect(y.shape).toEqual([5, 3, 8]);
        expect(y.data.every(Number.isFinite)).toBe(true);
        const row = y.data.subarray(0, 8);
        const mean = row.reduce((a, b) => a + b, 0) / 8;
        if (!normFirst) expect(Math.abs(mean)).toBeLessThan(1e-5);
        const gx = layer.backward(nn.tensor(randomFloats(y.data.length, 4), y.shape));
        expect(gx.shape).toEqual([5, 3, 8]);
      });

      for (const activation of ['relu', 'gelu'] as const) {
        it(`${normFirst ? 'pre' : 'post'}-norm backward (${activation}) matches finite differences through the whole layer`, () => {
          const layer = new nn.TransformerEncoderLayer(6, 2, { dimFeedforward: 10, normFirst, activation, seed: 5 });
          // Non-trivial LayerNorm affine parameters, so their gradients are checked too.
          layer.norm1.weight!.data.set(randomFloats(6, 20, 0.5, 1.5));
          layer.norm2.bias!.data.set(randomFloats(6, 21, -0.5, 0.5));
          layer.eval(); // dropout off: a deterministic function
          const x = nn.tensor(randomFloats(4 * 2 * 6, 22), [4, 2, 6]);
          expect(gradcheck(() => layer.forward(x, { causal: true }), layer, x, activation === 'relu' ? 1e-3 : 1e-2)).toBeGreaterThan(60);
        });
      }
    }

    it('a state dict round-trips into a differently seeded layer (same outputs), also packed into a flat store', () => {
      const a = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, seed: 30 }).eval();
      const b = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, seed: 31 }).eval();
      b.paramStore();
      const x = nn.tensor(randomFloats(3 * 2 * 8, 32), [3, 2, 8]);
      const ya = a.forward(x, { causal: true }).data.slice();
      expect(b.forward(x, { causal: true }).data).not.toEqual(ya);
      b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
      expect(b.forward(x, { causal: true }).data).toEqual(ya);
    });

    it('gives bit-identical outputs and gradients on 1 and 2 threads', () => {
      const run = (threads: number): Float32Array[] => {
        setNumThreads(threads);
        const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 48, dropout: 0, seed: 33 });
        const x = nn.tensor(randomFloats(17 * 3 * 32, 34), [17, 3, 32]);
        const y = layer.forward(x, { causal: true }).data.slice();
        const gx = layer.backward(nn.tensor(randomFloats(y.length, 35), [17, 3, 32])).data.slice();
        return [y, gx, ...layer.parameters().map((p) => p.grad.slice())];
      };
      const before = getNumThreads();
      try {
        const one = run(1);
        const two = run(2);
        one.forEach((t, i) => expect(two[i]).toEqual(t));
      } finally {
        setNumThreads(before);
      }
    });

    it('applies dropout in training (seeded by manualSeed) and not in eval', () => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0.5, seed: 6 });
      const x = nn.tensor(randomFloats(3 * 2 * 8, 7), [3, 2, 8]);
      manualSeed(3);
      const a = layer.forward(x).data.slice();
      manualSeed(3);
      const b = layer.forward(x).data.slice();
      manualSeed(4);
      const c = layer.forward(x).data.slice();
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
      layer.eval();
      const e1 = layer.forward(x).data.slice();
      expect(layer.forward(x).data).toEqual(e1);
    });

    for (const normFirst of [false, true]) {
      it(`${normFirst ? 'pre' : 'post'}-norm forward equals PyTorch's formula composed from separate modules with the same weights`, () => {
        const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, activation: 'gelu', normFirst, seed: 41 }).eval();
        layer.norm1.weight!.data.set(randomFloats(8, 42, 0.5, 1.5));
        layer.norm2.bias!.data.set(randomFloats(8, 43, -0.5, 0.5));
        const sd = layer.stateDict();
        const sub = (prefix: string): nn.StateDict => Object.fromEntries(Object.entries(sd).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
        const sa = new nn.MultiheadAttention(8, 2);
        sa.loadStateDict(sub('self_attn.'));
        const [l1, l2] = [new nn.Linear(8, 12), new nn.Linear(12, 8)];
        l1.loadStateDict(sub('linear1.'));
        l2.loadStateDict(sub('linear2.'));
        const [n1, n2] = [new nn.LayerNorm(8), new nn.LayerNorm(8)];
        n1.loadStateDict(sub('norm1.'));
        n2.loadStateDict(sub('norm2.'));
        const gelu = new nn.GELU();
        const plus = (a: nn.Tensor, b: nn.Tensor): nn.Tensor => nn.tensor(a.data.map((v, i) => v + b.data[i]), a.shape);
        const copy = (t: nn.Tensor): nn.Tensor => nn.tensor(t.data.slice(), t.shape);
        const ff = (t: nn.Tensor): nn.Tensor => copy(l2.forward(gelu.forward(l1.forward(t))));
        const x = nn.tensor(randomFloats(4 * 3 * 8, 44, -2, 2), [4, 3, 8]);
        const opt = { causal: true };
        let want: nn.Tensor;
        if (normFirst) {
          const h = plus(x, copy(sa.forward(copy(n1.forward(x)), opt)));
          want = plus(h, ff(copy(n2.forward(h))));
        } else {
          const x1 = copy(n1.forward(plus(x, copy(sa.forward(x, opt)))));
          want = n2.forward(plus(x1, ff(x1)));
        }
        const got = layer.forward(x, opt).data;
        for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want.data[i], 5);
      });
    }

    it('takes an empty sequence or batch (L = 0 or batch = 0), in training with dropout too', () => {
      for (const [L, B] of [[0, 2], [3, 0]]) {
        const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 4, dropout: 0.5, seed: 40 });
        const y = layer.forward(nn.tensor(new Float32Array(0), [L, B, 8]), { causal: true });
        expect(y.shape).toEqual([L, B, 8]);
        expect(layer.backward(nn.tensor(new Float32Array(0), [L, B, 8])).shape).toEqual([L, B, 8]);
        expect(layer.parameters().every((p) => p.grad.every((v) => v === 0))).toBe(true);
      }
    });

    it('refuses bad options and inputs', () => {
      expect(() => new nn.TransformerEncoderLayer(10, 4)).toThrow(/numHeads/);
      expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never })).toThrow(RangeError);
      expect(() => new nn.TransformerEncoderLayer(8, 2, { dropout: -0.1 })).toThrow(RangeError);
      expect(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 0 })).toThrow(RangeError);
      expect(() => new nn.TransformerEncoderLayer(8, 2, { layerNormEps: -1 })).toThrow(/layerNormEps/);
      expect(() => new nn.TransformerEncoderLayer(8, 2, { normFirst: 'yes' as never })).toThrow(TypeError);
      expect(() => new nn.TransformerEncoderLayer(8, 2, { batchFirst: true } as never)).toThrow(/not supported yet/);
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 8 });
      expect(() => layer.forward(nn.tensor(new Float32Array(16), [2, 8]))).toThrow(RangeError);
      expect(() => layer.forward(nn.tensor(new Float32Array(16), [2, 1, 8]), { attnMask: nn.tensor(new Float32Array(9), [3, 3]) })).toThrow(/attnMask/);
      expect(() => layer.backward(nn.tensor(new Float32Array(16), [2, 1, 8]))).toThrow(/before forward/);
    });
  });

  describe('Embedding', () => {
    it('looks up rows for indices of any shape; N(0, 1) init with the padding row zeroed', () => {
      const e = new nn.Embedding(10, 4, { paddingIdx: 2, seed: 1 });
      expect(Array.from(e.weight.data.subarray(8, 12))).toEqual([0, 0, 0, 0]);
      const w = e.weight.data;
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      expect(Math.abs(mean)).toBeLessThan(0.5);
      expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.5);
      const y = e.forward({ data: Int32Array.from([3, 2, 3, 9, 0, 1]), shape: [2, 3] });
      expect(y.shape).toEqual([2, 3, 4]);
      expect(Array.from(y.data.subarray(0, 4))).toEqual(Array.from(w.subarray(12, 16)));
      expect(Array.from(y.data.subarray(12, 16))).toEqual(Array.from(w.subarray(36, 40)));
      expect(e.forwardIndices(Int32Array.from([9])).shape).toEqual([1, 4]);
      expect(e.stateDict()).toHaveProperty('weight');
    });

    it('backward adds duplicates and leaves the padding row without gradient', () => {
      const e = new nn.Embedding(5, 2, { paddingIdx: -1, seed: 2 });
      expect(e.paddingIdx).toBe(4);
      e.forward({ data: Int32Array.from([1, 4, 1, 0]), shape: [4] });
      e.zeroGrad();
      const g = e.backward(nn.tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]));
      expect(g.data.length).toBe(0);
      expect(Array.from(e.weight.grad)).toEqual([7, 8, 6, 8, 0, 0, 0, 0, 0, 0]);
      e.forward({ data: Int32Array.from([3]), shape: [1] });
      e.backward(nn.tensor(Float32Array.from([1, 1]), [1, 2]));
      expect(Array.from(e.weight.grad)).toEqual([7, 8, 6, 8, 0, 0, 1, 1, 0, 0]); // accumulates, as autograd
    });

    it('refuses out-of-range indices (RangeError, nothing written), float indices and bad shapes', () => {
      const e = new nn.Embedding(4, 3, { seed: 3 });
      const y = e.forward({ data: Int32Array.from([0, 1]), shape: [2] });
      const before = y.data.slice();
      expect(() => e.forward({ data: Int32Array.from([0, 4]), shape: [2] })).toThrow(RangeError);
      expect(() => e.forward({ data: Int32Array.from([-1, 0]), shape: [2] })).toThrow(RangeError);
      expect(y.data).toEqual(before);
      expect(() => e.forward(nn.tensor(Float32Array.from([0, 1]), [2]))).toThrow(/Int32Array/);
      expect(() => e.forward(nn.tensor(Float32Array.from([0, 1]), [2]))).toThrow(TypeError);
      expect(() => e.forward({ data: Int32Array.from([0, 1]), shape: [3] })).toThrow(RangeError);
      expect(() => e.forwardIndices([0, 1] as never)).toThrow(TypeError);
      expect(() => new nn.Embedding(4, 3, { paddingIdx: 4 })).toThrow(RangeError);
      expect(() => new nn.Embedding(4, 3, { paddingIdx: 1.5 })).toThrow(RangeError);
      expect(() => new nn.Embedding(0, 3)).toThrow(RangeError);
      expect(() => new nn.Embedding(4, 3, { sparse: true } as never)).toThrow(/not supported yet/);
    });

    it('an empty index tensor gives an empty output and no gradient', () => {
      const e = new nn.Embedding(4, 3, { seed: 4 });
      const y = e.forward({ data: new Int32Array(0), shape: [2, 0] });
      expect(y.shape).toEqual([2, 0, 3]);
      e.zeroGrad();
      e.backward(nn.tensor(new Float32Array(0), [2, 0, 3]));
      expect(e.weight.grad.every((v) => v === 0)).toBe(true);
    });
  });

  describe('Softmax and LogSoftmax', () => {
    it('normalise the last dimension; LogSoftmax is the log of Softmax; -Infinity entries get 0', () => {
      const x = nn.tensor(Float32Array.from([1, 2, 3, -Infinity, 100, -100, 0, 0.5]), [2, 4]);
      const p = new nn.Softmax().forward(x).data.slice();
      const lp = new nn.LogSoftmax(-1).forward(x).data;
      expect(p[0] + p[1] + p[2] + p[3]).toBeCloseTo(1, 6);
      expect(p[3]).toBe(0);
      expect(lp[3]).toBe(-Infinity);
      for (let i = 0; i < 8; i++) if (p[i] > 1e-30) expect(lp[i]).toBeCloseTo(Math.log(p[i]), 4);
      expect(p[4]).toBeCloseTo(1, 6);
    });

    for (const M of [nn.Softmax, nn.LogSoftmax]) {
      it(`${M.name} backward matches finite differences`, () => {
        const m = new M();
        const x = nn.tensor(randomFloats(3 * 5, 30, -2, 2), [3, 5]);
        expect(gradcheck(() => m.forward(x), m, x, 1e-2)).toBeGreaterThan(9);
      });
    }

    it('refuse dims other than -1 and inputs of rank 0 or an empty last dimension', () => {
      expect(() => new nn.Softmax(1)).toThrow(/only the last dimension/);
      expect(() => new nn.LogSoftmax('1' as never)).toThrow(TypeError);
      expect(() => new nn.Softmax().forward(nn.tensor(new Float32Array(1), []))).toThrow(RangeError);
      expect(() => new nn.Softmax().forward(nn.tensor(new Float32Array(0), [2, 0]))).toThrow(RangeError);
      expect(() => new nn.LogSoftmax().backward(nn.tensor(new Float32Array(1), [1]))).toThrow(/before forward/);
    });
  });
});
