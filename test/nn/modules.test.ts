// nn modules against the ops kernels they wrap, their parameter bookkeeping and their errors.
import { describe, expect, it } from 'vitest';
import { Adam, GradGuardError, nn, ops } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);

describe.each(targets)('nn modules vs ops on $name', (t) => {
  useTarget(t);

  it('Linear forward/backward equal ops.linearForward/linearBackward over leading dimensions, accumulating', () => {
    const m = new nn.Linear(4, 3, { seed: 1 });
    const x = T(randomFloats(2 * 5 * 4, 2), [2, 5, 4]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 5, 3]);
    const want = ops.linearForward(x.data, m.weight.data, m.bias!.data, new Float32Array(30), { batch: 10, inFeatures: 4, outFeatures: 3 });
    expect(Array.from(y.data)).toEqual(Array.from(want));
    const gy = T(randomFloats(30, 3), [2, 5, 3]);
    m.zeroGrad();
    const gx = m.backward(gy);
    const ref = { gradX: new Float32Array(40), gradWeight: new Float32Array(12), gradBias: new Float32Array(3) };
    ops.linearBackward(x.data, m.weight.data, gy.data, ref, { batch: 10, inFeatures: 4, outFeatures: 3 });
    expect(gx.shape).toEqual([2, 5, 4]);
    expect(Array.from(gx.data)).toEqual(Array.from(ref.gradX));
    expect(Array.from(m.weight.grad)).toEqual(Array.from(ref.gradWeight));
    m.backward(gy);
    for (let i = 0; i < 12; i++) expect(m.weight.grad[i]).toBeCloseTo(2 * ref.gradWeight[i], 5);
    for (let i = 0; i < 3; i++) expect(m.bias!.grad[i]).toBeCloseTo(2 * ref.gradBias[i], 5);
  });

  const acts: [string, () => nn.Module, (x: Float32Array) => Float32Array, (x: Float32Array, g: Float32Array) => Float32Array][] = [
    ['ReLU', () => new nn.ReLU(), (x) => ops.relu(x), (x, g) => ops.reluBackward(x, g)],
    ['LeakyReLU', () => new nn.LeakyReLU(0.2), (x) => ops.leakyRelu(x, null, { negativeSlope: 0.2 }), (x, g) => ops.leakyReluBackward(x, g, null, { negativeSlope: 0.2 })],
    ['Tanh', () => new nn.Tanh(), (x) => ops.tanh(x), (x, g) => ops.tanhBackward(x, g)],
    ['Sigmoid', () => new nn.Sigmoid(), (x) => ops.sigmoid(x), (x, g) => ops.sigmoidBackward(x, g)],
    ['GELU', () => new nn.GELU('tanh'), (x) => ops.gelu(x, null, { approximate: 'tanh' }), (x, g) => ops.geluBackward(x, g, null, { approximate: 'tanh' })],
    ['ELU', () => new nn.ELU(0.5), (x) => ops.elu(x, null, { alpha: 0.5 }), (x, g) => ops.eluBackward(x, g, null, { alpha: 0.5 })],
    ['Softplus', () => new nn.Softplus(2, 10), (x) => ops.softplus(x, null, { beta: 2, threshold: 10 }), (x, g) => ops.softplusBackward(x, g, null, { beta: 2, threshold: 10 })],
  ];
  it.each(acts)('%s equals its ops kernel, forward and backward, any shape', (_, make, f, b) => {
    const m = make();
    const x = T(randomFloats(3 * 7, 4, -4, 4), [3, 7]);
    const g = T(randomFloats(21, 5), [3, 7]);
    const y = m.forward(x);
    expect(y.shape).toEqual([3, 7]);
    expect(Array.from(y.data)).toEqual(Array.from(f(x.data)));
    expect(Array.from(m.backward(g).data)).toEqual(Array.from(b(x.data, g.data)));
    expect(m.parameters()).toEqual([]);
  });

  it('LSTM equals ops.lstmForward/lstmBackward with initial states, exposing hN/cN and gradH0/gradC0', () => {
    const m = new nn.LSTM(3, 4, { seed: 2 });
    const x = T(randomFloats(5 * 2 * 3, 6), [5, 2, 3]);
    const h0 = T(randomFloats(8, 7), [1, 2, 4]);
    const c0 = T(randomFloats(8, 8), [1, 2, 4]);
    const w = { weightIh: m.weightIh.data, weightHh: m.weightHh.data, biasIh: m.biasIh!.data, biasHh: m.biasHh!.data };
    const shape = { seqLen: 5, batch: 2, inputSize: 3, hiddenSize: 4 };
    const ref = ops.lstmForward(x.data, w, shape, { h0: h0.data, c0: c0.data });
    const y = m.forward(x, { h0, c0 });
    expect(Array.from(y.data)).toEqual(Array.from(ref.output));
    expect(Array.from(m.hN.data)).toEqual(Array.from(ref.hN));
    expect(Array.from(m.cN.data)).toEqual(Array.from(ref.cN));
    expect(m.hN.shape).toEqual([1, 2, 4]);
    const go = randomFloats(40, 9);
    const ghn = randomFloats(8, 10);
    const rg = ops.lstmBackward(x.data, w, shape, ref.workspace, { h0: h0.data, c0: c0.data, gradOutput: go, gradHN: ghn });
    m.zeroGrad();
    const gx = m.backward(T(go, [5, 2, 4]), { gradHN: T(ghn, [2, 4]) });
    expect(Array.from(gx.data)).toEqual(Array.from(rg.gradInput));
    expect(Array.from(m.gradH0.data)).toEqual(Array.from(rg.gradH0));
    expect(Array.from(m.gradC0.data)).toEqual(Array.from(rg.gradC0));
    expect(Array.from(m.weightHh.grad)).toEqual(Array.from(rg.gradWeightHh));
    expect(Array.from(m.biasIh!.grad)).toEqual(Array.from(rg.gradBiasIh!));
  });

  it('carries state across chunks: hN/cN and gradH0/gradC0 can be passed straight back in', () => {
    const m = new nn.LSTM(3, 4, { seed: 5 });
    const x = randomFloats(6 * 2 * 3, 20);
    // One pass over 6 steps equals two passes over 3 steps with the state carried.
    const whole = m.forward(T(x, [6, 2, 3])).data.slice();
    const a = m.forward(T(x.subarray(0, 18), [3, 2, 3])).data.slice();
    const b = m.forward(T(x.subarray(18), [3, 2, 3]), { h0: m.hN, c0: m.cN }).data.slice();
    expect(Array.from(a)).toEqual(Array.from(whole.subarray(0, 24)));
    for (let i = 0; i < 24; i++) expect(b[i]).toBeCloseTo(whole[24 + i], 6);
    const go = T(randomFloats(24, 21), [3, 2, 4]);
    m.backward(go, { gradHN: m.gradH0, gradCN: m.gradC0 });
    expect(m.gradH0.data.every(Number.isFinite)).toBe(true);
  });

  it('RNN (relu) equals ops.rnnForward/rnnBackward and reuses its buffers while shapes stay the same', () => {
    const m = new nn.RNN(3, 4, { seed: 3, nonlinearity: 'relu', bias: false });
    expect(m.namedParameters().map(([n]) => n)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    const x = T(randomFloats(4 * 2 * 3, 11), [4, 2, 3]);
    const w = { weightIh: m.weightIh.data, weightHh: m.weightHh.data };
    const shape = { seqLen: 4, batch: 2, inputSize: 3, hiddenSize: 4 };
    const ref = ops.rnnForward(x.data, w, shape, { nonlinearity: 'relu' });
    const y1 = m.forward(x);
    expect(Array.from(y1.data)).toEqual(Array.from(ref.output));
    const go = randomFloats(32, 12);
    const rg = ops.rnnBackward(x.data, w, shape, ref.workspace, { nonlinearity: 'relu', gradOutput: go });
    m.zeroGrad();
    expect(Array.from(m.backward(T(go, [4, 2, 4])).data)).toEqual(Array.from(rg.gradInput));
    expect(Array.from(m.weightIh.grad)).toEqual(Array.from(rg.gradWeightIh));
    const y2 = m.forward(x);
    expect(y2.data).toBe(y1.data);
  });

  it('LastTimeStep returns a view of the last step and sends the gradient there only', () => {
    const m = new nn.LastTimeStep();
    const x = T(randomFloats(3 * 2 * 4, 13), [3, 2, 4]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 4]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data.subarray(16)));
    const g = m.backward(T(Float32Array.from({ length: 8 }, (_, i) => i + 1), [2, 4]));
    expect(g.shape).toEqual([3, 2, 4]);
    expect(Array.from(g.data)).toEqual([...new Array(16).fill(0), 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('Flatten merges dimensions as a view and restores the shape in backward', () => {
    const x = T(randomFloats(3 * 2 * 4, 16), [3, 2, 4]);
    const f = new nn.Flatten(0, 1);
    const y = f.forward(x);
    expect(y.shape).toEqual([6, 4]);
    expect(y.data).toBe(x.data);
    const g = f.backward(T(randomFloats(24, 17), [6, 4]));
    expect(g.shape).toEqual([3, 2, 4]);
    expect(new nn.Flatten().forward(x).shape).toEqual([3, 8]);
    expect(() => new nn.Flatten(1, 3).forward(x)).toThrow(/Flatten\(1, 3\)\.forward\(x\): expected shape at least 4 dimensions/);
    expect(() => f.backward(T(new Float32Array(24), [3, 8]))).toThrow(/Flatten\(0, 1\)\.backward\(gradOut\): expected shape \[6, 4\]/);
  });

  it('losses equal the ops losses and return their gradient from backward', () => {
    const x = T(randomFloats(6, 14), [3, 2]);
    const y = T(randomFloats(6, 15), [3, 2]);
    const mse = new nn.MSELoss();
    const g = new Float32Array(6);
    expect(mse.forward(x, y)).toBe(ops.mseLoss(x.data, y.data, g));
    expect(Array.from(mse.backward().data)).toEqual(Array.from(g));
    expect(mse.backward().shape).toEqual([3, 2]);
    expect(new nn.MSELoss({ reduction: 'sum' }).forward(x, y)).toBeCloseTo(6 * ops.mseLoss(x.data, y.data), 6);
    const ce = new nn.CrossEntropyLoss();
    const labels = Int32Array.from([1, 0, 1]);
    expect(ce.forward(x, labels)).toBe(ops.crossEntropyLoss(x.data, labels, g));
    expect(Array.from(ce.backward().data)).toEqual(Array.from(g));
    const bce = new nn.BCEWithLogitsLoss();
    const p = T(Float32Array.from([0, 1, 1, 0, 0.5, 1]), [3, 2]);
    expect(bce.forward(x, p)).toBe(ops.bceWithLogitsLoss(x.data, p.data, g));
    expect(Array.from(bce.backward().data)).toEqual(Array.from(g));
  });
});

describe('parameters, packing and modes', () => {
  const model = (): nn.Sequential =>
    new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.Tanh(), new nn.Residual(new nn.Sequential(new nn.Linear(4, 4, { seed: 2 }), new nn.BatchNorm1d(4))), new nn.Linear(4, 1, { seed: 3 }));

  it('names parameters with dotted paths and buffers after them, PyTorch style', () => {
    const m = model();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.fn.0.weight', '2.fn.0.bias', '2.fn.1.weight', '2.fn.1.bias', '3.weight', '3.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['2.fn.1.running_mean', '2.fn.1.running_var']);
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '0.bias', '2.fn.0.weight', '2.fn.0.bias', '2.fn.1.weight', '2.fn.1.bias', '2.fn.1.running_mean', '2.fn.1.running_var', '3.weight', '3.bias']);
    expect(m.numParameters()).toBe(12 + 4 + 16 + 4 + 4 + 4 + 4 + 1);
    expect(new nn.LSTM(2, 3).namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual(['weight_ih_l0 12x2', 'weight_hh_l0 12x3', 'bias_ih_l0 12', 'bias_hh_l0 12']);
  });

  it('paramStore() packs every parameter into one flat store, keeping values, once', () => {
    const m = model();
    const before = m.parameters().map((p) => p.data.slice());
    m.parameters()[0].grad.fill(3);
    const store = m.paramStore();
    expect(m.paramStore()).toBe(store);
    expect(store.size).toBe(m.numParameters());
    m.parameters().forEach((p, i) => {
      expect(p.data.buffer).toBe(store.params.base.buffer);
      expect(p.grad.buffer).toBe(store.grads.base.buffer);
      expect(Array.from(p.data)).toEqual(Array.from(before[i]));
      expect(p.name).toBe(m.namedParameters()[i][0]);
    });
    expect(m.parameters()[0].grad[0]).toBe(3);
    m.zeroGrad();
    expect(store.grads.base.every((v) => v === 0)).toBe(true);
    // An optimiser over the store updates the modules' parameters.
    m.parameters()[0].grad.fill(1);
    const w0 = m.parameters()[0].data[0];
    new Adam(store, { lr: 0.1 }).step();
    expect(m.parameters()[0].data[0]).toBeCloseTo(w0 - 0.1, 5);
  });

  it('a child of a packed model refuses to repack; a parent packed after a child takes its parameters', () => {
    const m = model();
    m.paramStore();
    expect(() => m.layers[0].paramStore()).toThrow(/Linear\(3→4\)\.paramStore\(\): the parameters are already packed into an enclosing module's store/);
    const child = new nn.Linear(2, 2, { seed: 1 });
    const w = child.weight.data.slice();
    child.paramStore();
    const parent = new nn.Sequential(child, new nn.Linear(2, 1));
    const store = parent.paramStore();
    expect(child.weight.data.buffer).toBe(store.params.base.buffer);
    expect(Array.from(child.weight.data)).toEqual(Array.from(w));
    // Also when the child holds every parameter of the model (its store is exactly the root's).
    const lin = new nn.Linear(3, 2);
    const root = new nn.Sequential(lin, new nn.Tanh());
    const rootStore = root.paramStore();
    expect(() => lin.paramStore()).toThrow(/already packed into an enclosing module's store/);
    expect(lin.weight.store).toBe(rootStore);
    // Wrapping a packed model in a container and packing that is a parent packed after a child.
    const wrapped = new nn.Sequential(root);
    expect(wrapped.paramStore()).not.toBe(rootStore);
    expect(lin.weight.data.buffer).toBe(wrapped.paramStore().params.base.buffer);
  });

  it('train()/eval() reach every descendant; BatchNorm uses running statistics in eval', () => {
    const m = model();
    m.eval();
    const bn = (m.layers[2] as nn.Residual).fn as nn.Sequential;
    expect(bn.layers[1].training).toBe(false);
    const x = T(randomFloats(2 * 4, 3), [2, 4]);
    const b = new nn.BatchNorm1d(4).eval();
    expect(Array.from(b.forward(x).data).map((v) => +v.toFixed(4))).toEqual(Array.from(x.data).map((v) => +(v / Math.sqrt(1 + 1e-5)).toFixed(4)));
    b.train();
    const rm = b.runningMean.slice();
    b.forward(x);
    expect(Array.from(b.runningMean)).not.toEqual(Array.from(rm));
  });

  it('initialises like PyTorch (bounds) and reproducibly from a seed', () => {
    const a = new nn.Linear(16, 8, { seed: 5 });
    const b = new nn.Linear(16, 8, { seed: 5 });
    const c = new nn.Linear(16, 8, { seed: 6 });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(c.weight.data));
    for (const v of [...a.weight.data, ...a.bias!.data]) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
    expect(Math.max(...a.weight.data.map(Math.abs))).toBeGreaterThan(0.15);
    const l = new nn.LSTM(3, 25, { seed: 1 });
    for (const p of l.parameters()) for (const v of p.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.2);
    const ln = new nn.LayerNorm(3);
    expect(Array.from(ln.weight!.data)).toEqual([1, 1, 1]);
    expect(Array.from(ln.bias!.data)).toEqual([0, 0, 0]);
  });
});

describe('bad input', () => {
  it('wrong input shapes: RangeError naming the module and argument', () => {
    expect(() => new nn.Linear(4, 3).forward(T(new Float32Array(10), [2, 5]))).toThrow(/^Linear\(4→3\)\.forward\(x\): expected shape \[\.\.\., 4\], got shape \[2, 5\]$/);
    expect(() => new nn.LSTM(3, 4).forward(T(new Float32Array(6), [2, 3]))).toThrow(/LSTM\(3→4\)\.forward\(x\): expected shape \[seq, batch, 3\], got shape \[2, 3\]/);
    expect(() => new nn.LSTM(3, 4).forward(T(new Float32Array(0), [0, 2, 3]))).toThrow(/LSTM\(3→4\)\.forward\(x\): expected shape \[seq >= 1, batch, 3\] \(PyTorch refuses an empty sequence too\), got shape \[0, 2, 3\]/);
    expect(() => new nn.RNN(3, 4).forward(T(new Float32Array(0), [0, 2, 3]))).toThrow(RangeError);
    expect(() => new nn.Linear(2, 2).train('no' as unknown as boolean)).toThrow(/Linear\(2→2\)\.train\(mode\): expected a boolean/);
    expect(() => new nn.LSTM(3, 4).forward(T(new Float32Array(6), [1, 2, 3]), { h0: T(new Float32Array(4), [1, 1, 4]) })).toThrow(/LSTM\(3→4\)\.forward\(h0\): expected shape \[1, 2, 4\]/);
    expect(() => new nn.RNN(3, 4).forward(T(new Float32Array(6), [1, 2, 3]), { c0: T(new Float32Array(8), [1, 2, 4]) })).toThrow(/RNN.*c0/);
    expect(() => new nn.BatchNorm1d(3).forward(T(new Float32Array(3), [1, 3]))).toThrow(/BatchNorm1d\(3\)\.forward\(x\): expected a batch of at least 2/);
    expect(() => new nn.LayerNorm(5).forward(T(new Float32Array(8), [2, 4]))).toThrow(RangeError);
    expect(() => new nn.Residual(new nn.Linear(4, 3)).forward(T(new Float32Array(8), [2, 4]))).toThrow(/Residual\(Linear\(4→3\)\)\.forward: the output of Linear\(4→3\): expected shape \[2, 4\], got shape \[2, 3\]/);
    expect(() => new nn.MSELoss().forward(T(new Float32Array(4), [2, 2]), T(new Float32Array(4), [4, 1]))).toThrow(/MSELoss\.forward\(target\): expected shape \[2, 2\]/);
    expect(() => new nn.CrossEntropyLoss().forward(T(new Float32Array(6), [2, 3]), Int32Array.from([0]))).toThrow(/CrossEntropyLoss\.forward\(target\)/);
    expect(() => new nn.CrossEntropyLoss().forward(T(new Float32Array(6), [2, 3]), Int32Array.from([0, 3]))).toThrow(RangeError);
    const lin = new nn.Linear(2, 2);
    lin.forward(T(new Float32Array(4), [2, 2]));
    expect(() => lin.backward(T(new Float32Array(6), [3, 2]))).toThrow(/Linear\(2→2\)\.backward\(gradOut\): expected shape \[2, 2\], got shape \[3, 2\]/);
  });

  it('malformed tensors and constructor arguments: TypeError/RangeError naming them', () => {
    expect(() => new nn.Linear(2, 2).forward({ data: [1, 2], shape: [1, 2] } as unknown as nn.Tensor)).toThrow(TypeError);
    expect(() => new nn.Linear(2, 2).forward(T(new Float32Array(4), [2, 2]).data as unknown as nn.Tensor)).toThrow(/Linear\(2→2\)\.forward\(x\): expected a Tensor .* got Float32Array\(4\)/);
    expect(() => nn.tensor(new Float32Array(5), [2, 2])).toThrow(/expected data of 4 elements for shape \[2, 2\]/);
    expect(() => new nn.Linear(-1, 2)).toThrow(/Linear inFeatures: expected an integer >= 0/);
    expect(() => new nn.LSTM(2, 0)).toThrow(RangeError);
    expect(() => new nn.LSTM(2.5 as number, 3)).toThrow(/LSTM inputSize/);
    expect(() => new nn.RNN(2, 3, { nonlinearity: 'gelu' as 'tanh' })).toThrow(/RNN options.nonlinearity/);
    expect(() => new nn.Sequential(42 as unknown as nn.Module)).toThrow(/Sequential layers\[0\]: expected a Module/);
  });

  it('backward before forward is a GradGuardError naming the module', () => {
    expect(() => new nn.Linear(2, 2).backward(T(new Float32Array(2), [1, 2]))).toThrow(GradGuardError);
    expect(() => new nn.Tanh().backward(T(new Float32Array(2), [1, 2]))).toThrow(/Tanh\.backward: called before forward/);
    expect(() => new nn.MSELoss().backward()).toThrow(/MSELoss\.backward: called before forward/);
  });
});
