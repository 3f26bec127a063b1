// CrossEntropyLoss as a language-model loss: logits [seq, batch, vocab] flattened to [seq·batch, vocab]
// (Flatten(0, 1), a view) with one Int32Array label per position give the mean per-position
// cross-entropy, and its gradient flows back through Flatten in the 3-D shape. A 3-D input itself is
// refused: PyTorch's 3-D form puts the classes in dimension 1, so [batch, seq, vocab] would differ silently.
import { describe, expect, it } from 'vitest';
import { nn } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

describe.each(targets)('CrossEntropyLoss over sequences on $name', (t) => {
  useTarget(t);

  it('[seq·batch, vocab] logits: the mean over positions of -log softmax at the label; gradient (softmax - onehot)/N', () => {
    const S = 3, B = 2, V = 5, N = S * B;
    const logits = nn.tensor(randomFloats(N * V, 50, -3, 3), [S, B, V]);
    const labels = Int32Array.from({ length: N }, (_, i) => (i * 3) % V);
    const flat = new nn.Flatten(0, 1);
    const loss = new nn.CrossEntropyLoss();
    const value = loss.forward(flat.forward(logits), labels);
    let want = 0;
    const grad = new Float64Array(N * V);
    for (let r = 0; r < N; r++) {
      const row = Array.from(logits.data.subarray(r * V, (r + 1) * V));
      const m = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
      want += -(row[labels[r]] - m - Math.log(z)) / N;
      row.forEach((v, j) => (grad[r * V + j] = (Math.exp(v - m) / z - (j === labels[r] ? 1 : 0)) / N));
    }
    expect(value).toBeCloseTo(want, 5);
    const g = flat.backward(loss.backward());
    expect(g.shape).toEqual([S, B, V]);
    g.data.forEach((v, i) => expect(v).toBeCloseTo(grad[i], 6));
  });

  it('refuses 3-D logits and a label count that is not seq·batch', () => {
    const loss = new nn.CrossEntropyLoss();
    expect(() => loss.forward(nn.tensor(new Float32Array(2 * 3 * 4), [2, 3, 4]), new Int32Array(6))).toThrow(/expected shape \[batch, classes\]/);
    expect(() => loss.forward(nn.tensor(new Float32Array(6 * 4), [6, 4]), new Int32Array(3))).toThrow(RangeError);
  });
});
