// Stacked and bidirectional nn.RNN / nn.LSTM / nn.GRU on every backend: shapes, PyTorch parameter
// names and order, a stack equals its layers run one by one, the reverse direction's time order,
// finite-difference checks of whole stacks (parameters, input and initial states), inter-layer
// dropout (training only, reproducible, its backward through a fixed mask), and argument errors.
import { describe, expect, it } from 'vitest';
import { nn, Rng } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';
import { checkSampledGrads } from '../helpers/gradcheck.js';

type Rec = nn.RNN | nn.LSTM | nn.GRU;
type Kind = 'rnn' | 'lstm' | 'gru';

function make(kind: Kind, I: number, H: number, o: nn.RecurrentOptions): Rec {
  return kind === 'lstm' ? new nn.LSTM(I, H, o) : kind === 'gru' ? new nn.GRU(I, H, o) : new nn.RNN(I, H, o);
}

/** Σ output·gO + Σ hN·gH (+ Σ cN·gC), in float64. */
function lossOf(m: Rec, x: nn.Tensor, st: nn.RecurrentState, gO: Float32Array, gH: Float32Array): number {
  const y = m.forward(x, st);
  let L = 0;
  for (let i = 0; i < y.data.length; i++) L += y.data[i] * gO[i];
  for (let i = 0; i < gH.length; i++) L += m.hN.data[i] * gH[i];
  if (m instanceof nn.LSTM) for (let i = 0; i < gH.length; i++) L += m.cN.data[i] * gH[gH.length - 1 - i];
  return L;
}

/** Central differences (step 1e-2, float32 forward) against backward for parameters, x, h0 and c0. */
function gradcheck(m: Rec, x: nn.Tensor, h0: nn.Tensor, c0: nn.Tensor | null, before?: () => void): void {
  const st: nn.RecurrentState = c0 ? { h0, c0 } : { h0 };
  const y = m.forward(x, st);
  const gO = randomFloats(y.data.length, 31);
  const gH = randomFloats(h0.data.length, 32);
  const L = (): number => {
    before?.();
    return lossOf(m, x, st, gO, gH);
  };
  m.zeroGrad();
  L();
  const gradState: nn.RecurrentStateGrad = { gradHN: nn.tensor(gH, h0.shape) };
  if (c0) gradState.gradCN = nn.tensor(gH.slice().reverse(), h0.shape);
  const gx = m.backward(nn.tensor(gO, y.shape), gradState).data.slice();
  const cases: [string, Float32Array, Float32Array][] = m.namedParameters().map(([n, p]) => [n, p.data, p.grad.slice()]);
  cases.push(['input', x.data, gx], ['h0', h0.data, m.gradH0.data.slice()]);
  if (c0 && m instanceof nn.LSTM) cases.push(['c0', c0.data, m.gradC0.data.slice()]);
  const checked = checkSampledGrads(L, cases, { h: 1e-2, samples: 10, atol: 3e-3, rtol: 2e-2 });
  expect(checked).toBeGreaterThan(40);
}

/** An Rng that replays a fixed list from nextDouble (reset before each forward: one dropout mask for every evaluation). */
class ReplayRng extends Rng {
  i = 0;
  constructor(private readonly seq: number[]) {
    super(1);
  }
  override nextDouble(): number {
    return this.seq[this.i++ % this.seq.length];
  }
}

describe.each(targets)('stacked and bidirectional recurrent modules on $name', (t) => {
  useTarget(t);
  const T = 4, B = 2, I = 3, H = 5;
  const x = nn.tensor(randomFloats(T * B * I, 1), [T, B, I]);

  it('name their parameters as PyTorch, in its order, with in_l = D·H above layer 0', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    expect(m.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0 16x3', 'weight_hh_l0 16x4', 'bias_ih_l0 16', 'bias_hh_l0 16',
      'weight_ih_l0_reverse 16x3', 'weight_hh_l0_reverse 16x4', 'bias_ih_l0_reverse 16', 'bias_hh_l0_reverse 16',
      'weight_ih_l1 16x8', 'weight_hh_l1 16x4', 'bias_ih_l1 16', 'bias_hh_l1 16',
      'weight_ih_l1_reverse 16x8', 'weight_hh_l1_reverse 16x4', 'bias_ih_l1_reverse 16', 'bias_hh_l1_reverse 16',
    ]);
    expect(Object.keys(new nn.GRU(2, 3, { numLayers: 3, bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0', 'weight_ih_l1', 'weight_hh_l1', 'weight_ih_l2', 'weight_hh_l2']);
    expect(new nn.GRU(2, 3).namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual(['weight_ih_l0 9x2', 'weight_hh_l0 9x3', 'bias_ih_l0 9', 'bias_hh_l0 9']);
    expect(m.toString()).toBe('LSTM(3→4, 2 layers, bidirectional)');
    expect(new nn.GRU(2, 3).toString()).toBe('GRU(2→3)');
  });

  it.each(['rnn', 'lstm', 'gru'] as Kind[])('%s: shapes of outputs, states and gradients', (kind) => {
    const m = make(kind, I, H, { numLayers: 3, bidirectional: true, seed: 2 });
    const y = m.forward(x);
    expect(y.shape).toEqual([T, B, 2 * H]);
    expect(m.hN.shape).toEqual([6, B, H]);
    if (m instanceof nn.LSTM) expect(m.cN.shape).toEqual([6, B, H]);
    const gx = m.backward(nn.tensor(randomFloats(y.data.length, 3), y.shape));
    expect(gx.shape).toEqual([T, B, I]);
    expect(m.gradH0.shape).toEqual([6, B, H]);
  });

  it.each(['rnn', 'lstm', 'gru'] as Kind[])('%s: the reverse direction reads backwards and stores step t at t', (kind) => {
    const m = make(kind, I, H, { numLayers: 2, bidirectional: true, seed: 4 });
    const y = m.forward(x);
    const hN = m.hN.data;
    // top layer (l = 1): forward's last state is output[T − 1, :, 0:H]; reverse's is output[0, :, H:2H]
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        expect(y.data[((T - 1) * B + b) * 2 * H + j]).toBe(hN[(2 * B + b) * H + j]);
        expect(y.data[b * 2 * H + H + j]).toBe(hN[(3 * B + b) * H + j]);
      }
    }
    // one bidirectional layer = a forward module on x and a forward module on reversed x, re-reversed
    const one = make(kind, I, H, { bidirectional: true, seed: 5 });
    const fwd = make(kind, I, H, { seed: 6 });
    const rev = make(kind, I, H, { seed: 7 });
    const p = one.namedParameters();
    fwd.namedParameters().forEach(([, q], i) => q.data.set(p[i][1].data));
    rev.namedParameters().forEach(([, q], i) => q.data.set(p[i + fwd.namedParameters().length][1].data));
    const xr = new Float32Array(x.data.length);
    for (let s = 0; s < T; s++) xr.set(x.data.subarray((T - 1 - s) * B * I, (T - s) * B * I), s * B * I);
    const yb = one.forward(x).data;
    const yf = fwd.forward(x).data;
    const yr = rev.forward(nn.tensor(xr, [T, B, I])).data;
    for (let s = 0; s < T; s++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          expect(yb[(s * B + b) * 2 * H + j]).toBe(yf[(s * B + b) * H + j]);
          expect(yb[(s * B + b) * 2 * H + H + j]).toBe(yr[((T - 1 - s) * B + b) * H + j]);
        }
      }
    }
  });

  it.each(['rnn', 'lstm', 'gru'] as Kind[])('%s: a two-layer stack equals its layers chained (forward and backward)', (kind) => {
    const m = make(kind, I, H, { numLayers: 2, seed: 8 });
    const l0 = make(kind, I, H, { seed: 9 });
    const l1 = make(kind, H, H, { seed: 10 });
    const p = m.namedParameters();
    const n0 = l0.namedParameters().length;
    l0.namedParameters().forEach(([, q], i) => q.data.set(p[i][1].data));
    l1.namedParameters().forEach(([, q], i) => q.data.set(p[i + n0][1].data));
    const y = m.forward(x);
    const y1 = l1.forward(l0.forward(x));
    expect(Array.from(y.data)).toEqual(Array.from(y1.data));
    expect(Array.from(m.hN.data.subarray(0, B * H))).toEqual(Array.from(l0.hN.data));
    const g = nn.tensor(randomFloats(y.data.length, 12), y.shape);
    m.zeroGrad();
    const gx = m.backward(g);
    const gx1 = l0.backward(l1.backward(g));
    expect(Array.from(gx.data)).toEqual(Array.from(gx1.data));
    expect(Array.from(p[n0][1].grad)).toEqual(Array.from(l1.namedParameters()[0][1].grad));
  });

  it.each([
    ['rnn', 2, false],
    ['lstm', 2, true],
    ['gru', 2, true],
    ['gru', 3, false],
    ['rnn', 1, true],
  ] as [Kind, number, boolean][])('%s numLayers %d bidirectional %s: backward matches finite differences', (kind, L, bi) => {
    const m = make(kind, I, H, { numLayers: L, bidirectional: bi, seed: 13 });
    const S = L * (bi ? 2 : 1);
    const h0 = nn.tensor(randomFloats(S * B * H, 14, -0.5, 0.5), [S, B, H]);
    const c0 = kind === 'lstm' ? nn.tensor(randomFloats(S * B * H, 15, -0.5, 0.5), [S, B, H]) : null;
    gradcheck(m, nn.tensor(x.data.slice(), x.shape), h0, c0);
  });

  it('dropout: eval equals no dropout, training differs, masks are reproducible from the seed', () => {
    const plain = new nn.GRU(I, H, { numLayers: 2, bidirectional: true, seed: 20 });
    const drop = new nn.GRU(I, H, { numLayers: 2, bidirectional: true, seed: 20, dropout: 0.5 });
    const again = new nn.GRU(I, H, { numLayers: 2, bidirectional: true, seed: 20, dropout: 0.5 });
    expect(Array.from(drop.namedParameters()[8][1].data)).toEqual(Array.from(plain.namedParameters()[8][1].data));
    const yp = Array.from(plain.forward(x).data);
    drop.eval();
    expect(Array.from(drop.forward(x).data)).toEqual(yp);
    drop.train();
    const y1 = Array.from(drop.forward(x).data);
    expect(y1).not.toEqual(yp);
    expect(Array.from(again.forward(x).data)).toEqual(y1); // same seed, same first mask
    expect(Array.from(drop.forward(x).data)).not.toEqual(y1); // a fresh mask per forward
    // numLayers 1: nothing between layers to drop
    const single = new nn.LSTM(I, H, { seed: 21, dropout: 0.9 });
    expect(Array.from(single.forward(x).data)).toEqual(Array.from(new nn.LSTM(I, H, { seed: 21 }).forward(x).data));
    // dropout 1 zeroes the second layer's input: it sees only its biases
    const all = new nn.RNN(I, H, { numLayers: 2, seed: 22, dropout: 1 });
    const top = new nn.RNN(H, H, { seed: 23 });
    all.namedParameters().slice(4).forEach(([, q], i) => top.namedParameters()[i][1].data.set(q.data));
    expect(Array.from(all.forward(x).data)).toEqual(Array.from(top.forward(nn.tensor(new Float32Array(T * B * H), [T, B, H])).data));
  });

  it('dropout: backward through a fixed mask matches finite differences (the masked path gets no gradient)', () => {
    const seq: number[] = [];
    for (let i = 0; i < 97; i++) seq.push(((i * 37) % 97) / 97);
    const rng = new ReplayRng(seq);
    const m = new nn.LSTM(I, H, { numLayers: 2, bidirectional: true, dropout: 0.3, rng });
    const h0 = nn.tensor(randomFloats(4 * B * H, 24, -0.5, 0.5), [4, B, H]);
    const c0 = nn.tensor(randomFloats(4 * B * H, 25, -0.5, 0.5), [4, B, H]);
    gradcheck(m, nn.tensor(x.data.slice(), x.shape), h0, c0, () => {
      rng.i = 0;
    });
  });

  it('carries its own hN back in as h0', () => {
    const m = new nn.GRU(I, H, { numLayers: 2, bidirectional: true, seed: 26 });
    m.forward(x);
    const keep = m.hN.data.slice();
    const y = Array.from(m.forward(x, { h0: m.hN }).data);
    const ref = new nn.GRU(I, H, { numLayers: 2, bidirectional: true, seed: 26 });
    expect(Array.from(ref.forward(x, { h0: nn.tensor(keep, [4, B, H]) }).data)).toEqual(y);
  });

  it('refuses states of the wrong layer/direction count, naming the argument and both shapes', () => {
    const m = new nn.LSTM(I, H, { numLayers: 2, bidirectional: true });
    const bad = nn.tensor(new Float32Array(2 * B * H), [2, B, H]);
    expect(() => m.forward(x, { h0: bad })).toThrow(RangeError);
    expect(() => m.forward(x, { h0: bad })).toThrow(/LSTM\(3→5, 2 layers, bidirectional\)\.forward\(h0\): expected shape \[4, 2, 5\] \(numLayers·directions = 2·2\), got shape \[2, 2, 5\]/);
    expect(() => m.forward(x, { c0: bad })).toThrow(/forward\(c0\): expected shape \[4, 2, 5\]/);
    expect(() => new nn.GRU(I, H, { numLayers: 2 }).forward(x, { h0: nn.tensor(new Float32Array(B * H), [B, H]) })).toThrow(/forward\(h0\): expected shape \[2, 2, 5\]/);
    const y = m.forward(x);
    expect(() => m.backward(nn.tensor(new Float32Array(T * B * H), [T, B, H]))).toThrow(/backward\(gradOut\)/);
    expect(() => m.backward(nn.tensor(new Float32Array(y.data.length), y.shape), { gradHN: bad })).toThrow(/backward\(gradHN\): expected shape \[4, 2, 5\]/);
    expect(() => new nn.GRU(I, H).forward(x, { c0: bad } as never)).toThrow(/GRU.*c0.*a GRU has no cell state/);
  });

  it('refuses bad options, naming them', () => {
    expect(() => new nn.GRU(I, H, { numLayers: 0 })).toThrow(/options\.numLayers/);
    expect(() => new nn.GRU(I, H, { numLayers: 1.5 })).toThrow(RangeError);
    expect(() => new nn.RNN(I, H, { dropout: 1.5 })).toThrow(/options\.dropout/);
    expect(() => new nn.RNN(I, H, { dropout: NaN })).toThrow(RangeError);
    expect(() => new nn.LSTM(I, H, { dropout: '0.1' as never })).toThrow(TypeError);
    expect(() => new nn.LSTM(I, H, { bidirectional: 1 as never })).toThrow(/options\.bidirectional/);
    expect(() => new nn.GRU(I, H, { batchFirst: true } as never)).toThrow(/options\.batchFirst is not supported yet/);
  });
});
