// The cause figures the monitor reads when a warning or error fires: the spectral radius by power
// iteration (real, complex-pair and zero spectra), the weights' scale against 1/√fan-in, the relative
// size of an update, and which figures a layer gets.
import { describe, expect, it } from 'vitest';
import { likelyCause, recurrentRadius, spectralRadius } from '../../lib/monitor/causes.js';
import { emptyRun } from '../../lib/monitor/run-context.js';

/** An H×H matrix from a function of (row, column). */
const mat = (h: number, f: (r: number, c: number) => number) => Float32Array.from({ length: h * h }, (_, i) => f(Math.floor(i / h), i % h));

describe('cause figures', () => {
  it('estimates the spectral radius: a diagonal, a scaled rotation (complex pair), a nilpotent and a zero matrix', () => {
    expect(spectralRadius(mat(3, (r, c) => (r === c ? [0.5, 2, -3][r] : 0)), 3)).toBeCloseTo(3, 3);
    const a = 0.7;
    const rot = mat(2, (r, c) => 1.2 * [[Math.cos(a), -Math.sin(a)], [Math.sin(a), Math.cos(a)]][r][c]);
    expect(spectralRadius(rot, 2)).toBeCloseTo(1.2, 5);
    expect(spectralRadius(mat(4, () => 0), 4)).toBe(0);
    expect(spectralRadius(mat(3, (r, c) => (c === r + 1 ? 1 : 0)), 3)).toBe(0); // nilpotent: W³ = 0
  });

  it('reads gate blocks from the shape, or from an LSTM/GRU name without one', () => {
    const H = 3;
    const blocks = [0.5, 0.9, 1.7, 0.2];
    const w = Float32Array.from({ length: 4 * H * H }, (_, i) => {
      const g = Math.floor(i / (H * H));
      const k = i % (H * H);
      return Math.floor(k / H) === k % H ? blocks[g] : 0;
    });
    expect(recurrentRadius({ name: 'x.weight_hh_l0', data: w, shape: [4 * H, H] })).toBeCloseTo(1.7, 4);
    expect(recurrentRadius({ name: 'lstm.weight_hh', data: w, shape: null })).toBeCloseTo(1.7, 4);
    expect(recurrentRadius({ name: 'fc.weight', data: w, shape: [4 * H, H] })).toBeNull(); // not recurrent
    expect(recurrentRadius({ name: 'rnn.weight_hh', data: null, shape: null })).toBeNull(); // no weights
  });

  it('names the initialisation scale, the update size and the depth with their figures', () => {
    const fanIn = 16;
    const big = { name: '0.weight', data: new Float32Array(8 * fanIn).fill(5 / Math.sqrt(fanIn)), shape: [8, fanIn] };
    const bias = { name: '0.bias', data: new Float32Array(8).fill(0.1), shape: [8] };
    const head = { name: '2.weight', data: new Float32Array(8).fill(0.3), shape: [1, 8] };
    const run = { ...emptyRun(), optimizer: 'SGD', lr: 0.5 };
    const c = likelyCause([big, bias, head], 0, 40, run, false);
    expect(c).toMatch(/initialisation scale: weights' RMS is 5\/√fan-in .* too large/);
    // ‖w‖ = 5/4 · √128 ≈ 14.1; one SGD step moves it by 0.5 · 40 = 20: ≈ 141 %.
    expect(c).toMatch(/learning rate: one update moves 0\.weight by ≈ 141 % of its norm/);
    expect(likelyCause([big, bias, head], 1, 1e-9, run, true)).toMatch(/depth: 0\.bias is parameter 2 of 3 from the input/);
    expect(likelyCause([{ ...big, data: null }, bias, head], 0, 40, emptyRun(), false)).toBe('');
  });
});
