// The examples of issue 16 and the rules of checkOptions: unknown keys (nested ones too) are a
// TypeError naming the caller, the key, the accepted keys and the closest one; options not
// supported yet are refused as such; a rejected call modifies nothing.
import { describe, expect, it } from 'vitest';
import { Adam, clipGradNorm, GradientMonitor, manualSeed, nn, ops, SGD, Trainer, type TrainerOptions } from '../../lib/index.js';
import { checkOptions, optionKeys } from '../../lib/validate/index.js';

const params = () => [{ data: new Float32Array([1, 2]), grad: new Float32Array([3, 4]) }];
const typeError = (message: RegExp) => expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(message) });
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
};
const trainer = (extra: Record<string, unknown>): TrainerOptions => ({
  model: new nn.Linear(1, 1),
  loss: new nn.MSELoss(),
  optimizer: (p) => new SGD(p, { lr: 0.1 }),
  progress: 'none',
  ...extra,
});

describe('the examples of issue 16 are TypeErrors, with a suggestion', () => {
  it('clipGradNorm(g, 1, { normtype: 1 }), leaving the gradients unchanged', () => {
    const g = [new Float32Array([3, 4]), new Float32Array([12])];
    expect(thrown(() => clipGradNorm(g, 1, { normtype: 1 } as never))).toEqual(
      typeError(/^clipGradNorm: options\.normtype is not an option \(did you mean normType\?\); the options are normType, errorIfNonfinite$/),
    );
    expect([...g[0], ...g[1]]).toEqual([3, 4, 12]);
  });

  it('new Adam(params, { learningRate: 0.1 }) lists the accepted keys', () => {
    expect(thrown(() => new Adam(params(), { learningRate: 0.1 } as never))).toEqual(typeError(/^new Adam: options\.learningRate is not an option; the options are lr, betas, eps, weightDecay, amsgrad, maximize$/));
  });

  it('new SGD(params, { lr: 0.1, momentun: 0.9 }), also when the value is undefined', () => {
    expect(thrown(() => new SGD(params(), { lr: 0.1, momentun: 0.9 } as never))).toEqual(typeError(/^new SGD: options\.momentun is not an option \(did you mean momentum\?\)/));
    expect(thrown(() => new SGD(params(), { lr: 0.1, momentun: undefined } as never))).toEqual(typeError(/options\.momentun is not an option/));
  });

  it('new nn.LSTM(4, 8, { batchFirst: true }) and the other PyTorch options not supported yet', () => {
    expect(thrown(() => new nn.LSTM(4, 8, { batchFirst: true } as never))).toEqual(typeError(/^new nn\.LSTM: options\.batchFirst is not supported yet; the options are seed, rng, bias, numLayers, bidirectional, dropout$/));
    for (const k of ['batchFirst', 'projSize']) expect(thrown(() => new nn.LSTM(4, 8, { [k]: 1 } as never))).toEqual(typeError(new RegExp(`options\\.${k} is not supported yet`)));
    for (const c of ['RNN', 'GRU'] as const) expect(thrown(() => new nn[c](4, 8, { batchFirst: 1 } as never))).toEqual(typeError(new RegExp(`^new nn\\.${c}: options\\.batchFirst is not supported yet`)));
    // numLayers, bidirectional and dropout are options now (test/nn/rnn-stack.test.ts)
    for (const k of ['numLayers', 'bidirectional', 'dropout']) expect(new nn.LSTM(4, 8, { [k]: k === 'numLayers' ? 2 : k === 'dropout' ? 0.5 : true })).toBeInstanceOf(nn.LSTM);
  });


  it('new nn.Linear(4, 8, { biass: false }) draws nothing from the default generator', () => {
    manualSeed(7);
    expect(thrown(() => new nn.Linear(4, 8, { biass: false } as never))).toEqual(typeError(/^new nn\.Linear: options\.biass is not an option \(did you mean bias\?\)/));
    const after = new nn.Linear(2, 2).weight.data.slice();
    manualSeed(7);
    expect(new nn.Linear(2, 2).weight.data).toEqual(after);
  });

  it('new Trainer({ ..., clipp: { maxNorm: 1 } }), and nested clip, agc and checkpoint keys, before the model is packed', () => {
    expect(thrown(() => new Trainer(trainer({ clipp: { maxNorm: 1 } })))).toEqual(typeError(/^new Trainer: options\.clipp is not an option \(did you mean clip\?\)/));
    expect(thrown(() => new Trainer(trainer({ clip: { maxnorm: 1 } })))).toEqual(typeError(/^new Trainer: options\.clip\.maxnorm is not an option \(did you mean maxNorm\?\); the options are maxNorm, normType, fusedNorm$/));
    expect(thrown(() => new Trainer(trainer({ agc: { clip: 0.1 } })))).toEqual(typeError(/^new Trainer: options\.agc\.clip is not an option; the options are clipping, eps, shapes$/));
    const model = new nn.Linear(1, 1);
    const weight = model.weight.data;
    expect(thrown(() => new Trainer(trainer({ model, checkpoint: { path: '/tmp/x', everyStep: 1 } })))).toEqual(
      typeError(/^new Trainer: options\.checkpoint\.everyStep is not an option \(did you mean everySteps\?\)/),
    );
    expect(model.weight.data).toBe(weight); // not packed into a ParamStore
  });
});

describe('nested options and the shared check', () => {
  it('GradientMonitor explode / vanish / diverge', () => {
    const named = [{ name: 'w', grad: new Float32Array(2) }];
    expect(thrown(() => new GradientMonitor(named, { explode: { factr: 2 } } as never))).toEqual(typeError(/^new GradientMonitor: options\.explode\.factr is not an option \(did you mean factor\?\)/));
    expect(thrown(() => new GradientMonitor(named, { vanish: { flor: 1e-9 } } as never))).toEqual(typeError(/options\.vanish\.flor is not an option \(did you mean floor\?\)/));
    expect(thrown(() => new GradientMonitor(named, { diverge: { warmUp: 3 } } as never))).toEqual(typeError(/options\.diverge\.warmUp is not an option \(did you mean warmup\?\)/));
  });

  it("ops.lstmBackward's options.grads, an RNN's c0 and gradCN", () => {
    const w = { weightIh: new Float32Array(4), weightHh: new Float32Array(4) };
    const shape = { seqLen: 1, batch: 1, inputSize: 1, hiddenSize: 1 };
    const { workspace } = ops.lstmForward(new Float32Array(1), w, shape);
    expect(thrown(() => ops.lstmBackward(new Float32Array(1), w, shape, workspace, { grads: { gradWeightIH: new Float32Array(4) } } as never))).toEqual(
      typeError(/options\.grads\.gradWeightIH is not an option \(did you mean gradWeightIh\?\)/),
    );
    const rnn = new nn.RNN(1, 1);
    const x = { data: new Float32Array(1), shape: [1, 1, 1] };
    rnn.forward(x);
    expect(thrown(() => rnn.backward(x, { gradCN: null } as never))).toEqual(typeError(/backward\(gradCN\): expected no gradCN \(an RNN has no cell state\)/));
    expect(thrown(() => rnn.forward(x, { c0: undefined } as never))).toEqual(typeError(/forward\(c0\): expected no c0 \(an RNN has no cell state\)/));
    expect(thrown(() => rnn.forward(x, { h: undefined } as never))).toEqual(typeError(/forward\(state\)\.h is not an option \(did you mean h0\?\); the options are h0$/));
  });

  it('a non-object options argument is a TypeError; undefined is fine', () => {
    expect(thrown(() => new SGD(params(), 0.1 as never))).toEqual(typeError(/^new SGD: options: expected an options object, got number 0\.1$/));
    expect(thrown(() => new nn.Linear(1, 1, [] as never))).toEqual(typeError(/options: expected an options object, got Array\(0\)/));
    expect(thrown(() => clipGradNorm([new Float32Array(2)], 1, null as never))).toEqual(typeError(/options: expected an options object, got null/));
    expect(clipGradNorm([new Float32Array([3, 4])], 10, undefined)).toBe(5);
    expect(checkOptions('f: options', undefined, ['a'])).toEqual({});
  });

  it('checkOptions: no suggestion when nothing is close; an empty list says so', () => {
    expect(thrown(() => checkOptions('f: options', { zzzzzz: 1 }, ['alpha', 'beta']))).toEqual(typeError(/^f: options\.zzzzzz is not an option; the options are alpha, beta$/));
    expect(thrown(() => checkOptions('f: options', { a: 1 }, []))).toEqual(typeError(/^f: options\.a is not an option; it takes no options$/));
  });

  it('optionKeys: the key list must name every key of the options type, and only those (compile time)', () => {
    type O = { a?: number; b?: string };
    expect(optionKeys<O>()(['a', 'b'])).toEqual(['a', 'b']);
    // @ts-expect-error b is missing from the list
    optionKeys<O>()(['a']);
    // @ts-expect-error c is not a key of O
    optionKeys<O>()(['a', 'b', 'c']);
  });
});
