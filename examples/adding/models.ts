// The demo's two models, written directly on gradguard's functional `ops` (a recurrent layer, then a
// Linear head on the last hidden state → 1 output, MSE loss) with every parameter in one
// createParamStore. Kept in this one file so it can be swapped for `nn` modules later.
// Initialisation follows PyTorch's defaults (U(±1/√H) for RNN/LSTM weights and biases, U(±1/√fanIn)
// for the Linear head), except the RNN's recurrent matrix when `recurrentGain` is given: orthogonal
// scaled by that gain (gain 1.5 → spectral radius 1.5, the "bad initialisation" of part 1).
import { createParamStore, ops, orthogonal, uniform, type ParamStore, type Rng } from '../../lib/index.js';
import type { AddingBatch } from './data.js';

export type Cell = 'rnn' | 'lstm';

export interface ModelOptions {
  cell: Cell;
  hiddenSize: number;
  /** Orthogonal recurrent weights times this gain (RNN only); PyTorch's default init when absent. */
  recurrentGain?: number;
  rng: Rng;
}

/** A named parameter as the monitor and optimisers take it. */
export interface NamedParam {
  name: string;
  data: Float32Array;
  grad: Float32Array;
}

export interface AddingModel {
  readonly store: ParamStore;
  readonly params: readonly NamedParam[];
  /** Zeroes the gradients, runs forward + loss + backward; returns the batch's mean squared error. */
  trainStep(batch: AddingBatch): number;
  /** Forward only: the batch's mean squared error. */
  evaluate(batch: AddingBatch): number;
}

const INPUT = 2;

interface Scratch {
  output: Float32Array;
  hN: Float32Array;
  cN: Float32Array;
  workspace: Float32Array;
  pred: Float32Array;
  gradPred: Float32Array;
  gradHN: Float32Array;
  gradInput: Float32Array;
  gradH0: Float32Array;
  gradC0: Float32Array;
}

export function createModel(o: ModelOptions): AddingModel {
  const H = o.hiddenSize;
  const G = o.cell === 'lstm' ? 4 : 1;
  const names = [`${o.cell}.weight_ih`, `${o.cell}.weight_hh`, `${o.cell}.bias_ih`, `${o.cell}.bias_hh`, 'head.weight', 'head.bias'];
  const shapes = [[G * H, INPUT], [G * H, H], [G * H], [G * H], [1, H], [1]];
  const store = createParamStore(shapes);
  const [wIh, wHh, bIh, bHh, wOut, bOut] = store.params.views;
  const [gWIh, gWHh, gBIh, gBHh, gWOut, gBOut] = store.grads.views;
  const k = 1 / Math.sqrt(H);
  for (const [t, s] of [[wIh, shapes[0]], [wHh, shapes[1]], [bIh, shapes[2]], [bHh, shapes[3]]] as const) uniform(t, s, { a: -k, b: k, rng: o.rng });
  if (o.recurrentGain !== undefined) orthogonal(wHh, shapes[1], { gain: o.recurrentGain, rng: o.rng });
  uniform(wOut, shapes[4], { a: -k, b: k, rng: o.rng }); // kaiming_uniform(a=√5) bound = 1/√fanIn
  uniform(bOut, shapes[5], { a: -k, b: k, rng: o.rng });
  const weights = { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh };
  const grads = { gradWeightIh: gWIh, gradWeightHh: gWHh, gradBiasIh: gBIh, gradBiasHh: gBHh };
  const params = names.map((name, i) => ({ name, data: store.params.views[i], grad: store.grads.views[i] }));

  // Buffers are allocated once per (seqLen, batch) and reused: steady-state steps allocate nothing.
  const scratch = new Map<string, Scratch>();
  const scratchFor = (T: number, B: number): Scratch => {
    const key = `${T}x${B}`;
    let s = scratch.get(key);
    if (!s) {
      const ws = o.cell === 'lstm' ? ops.lstmWorkspaceSize(T, B, H) : ops.rnnWorkspaceSize(T, B, H);
      s = {
        output: new Float32Array(T * B * H), hN: new Float32Array(B * H), cN: new Float32Array(B * H),
        workspace: new Float32Array(ws), pred: new Float32Array(B), gradPred: new Float32Array(B),
        gradHN: new Float32Array(B * H), gradInput: new Float32Array(T * B * INPUT),
        gradH0: new Float32Array(B * H), gradC0: new Float32Array(B * H),
      };
      scratch.set(key, s);
    }
    return s;
  };

  const forward = (b: AddingBatch): { s: Scratch; shape: ops.RecurrentShape } => {
    const shape = { seqLen: b.seqLen, batch: b.batch, inputSize: INPUT, hiddenSize: H };
    const s = scratchFor(b.seqLen, b.batch);
    if (o.cell === 'lstm') ops.lstmForward(b.input, weights, shape, { output: s.output, hN: s.hN, cN: s.cN, workspace: s.workspace });
    else ops.rnnForward(b.input, weights, shape, { output: s.output, hN: s.hN, workspace: s.workspace });
    ops.linearForward(s.hN, wOut, bOut, s.pred, { batch: b.batch, inFeatures: H, outFeatures: 1 });
    return { s, shape };
  };

  return {
    store,
    params,
    evaluate(b) {
      const { s } = forward(b);
      return ops.mseLoss(s.pred, b.target);
    },
    trainStep(b) {
      const { s, shape } = forward(b);
      const loss = ops.mseLoss(s.pred, b.target, s.gradPred);
      // The backward passes overwrite (accumulate: false) every gradient, so no separate zeroing.
      ops.linearBackward(s.hN, wOut, s.gradPred, { gradX: s.gradHN, gradWeight: gWOut, gradBias: gBOut }, { batch: b.batch, inFeatures: H, outFeatures: 1 });
      const rg = { ...grads, gradInput: s.gradInput, gradH0: s.gradH0 };
      if (o.cell === 'lstm') ops.lstmBackward(b.input, weights, shape, s.workspace, { gradHN: s.gradHN, grads: { ...rg, gradC0: s.gradC0 } });
      else ops.rnnBackward(b.input, weights, shape, s.workspace, { gradHN: s.gradHN, grads: rg });
      return loss;
    },
  };
}
