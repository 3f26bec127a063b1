// A valid call of each public function whose arguments are data (the gradient toolkit and the ops),
// as a function building fresh arguments: test/validate/api-fuzz.test.ts checks each one succeeds,
// then replaces one argument, or one field of an options/weights object, with a hostile value, so the
// fuzz reaches every argument's check and not only the first one's.
import * as gg from '../../lib/index.js';
import { lcgFloats } from '../helpers/random.js';

const r = (n: number, seed = n): Float32Array => lcgFloats(n, seed);
const grads = (): Float32Array[] => [r(5, 1).map((v) => 10 * v), r(7, 2)];
const rnnShape = { seqLen: 3, batch: 2, inputSize: 4, hiddenSize: 5 };
const w = (g: number) => ({ weightIh: r(g * 20, 3), weightHh: r(g * 25, 4), biasIh: r(g * 5, 5), biasHh: r(g * 5, 6) });
const lin = { batch: 2, inFeatures: 3, outFeatures: 4 };
const mm = { m: 2, n: 3, k: 4, transA: false, transB: false, alpha: 1, beta: 0 };
const act = (extra: unknown[] = []) => (): unknown[] => [r(6, 7), new Float32Array(6), ...extra];
const actBack = (extra: unknown[] = []) => (): unknown[] => [r(6, 7), r(6, 8), new Float32Array(6), ...extra];
const bnSaved = () => gg.ops.batchNorm1d(r(12, 9), [3, 4]);
const lnSaved = () => gg.ops.layerNorm(r(12, 9), 4);
const rnnWs = () => gg.ops.rnnForward(r(24, 10), w(1), rnnShape).workspace;
const lstmWs = () => gg.ops.lstmForward(r(24, 10), w(4), rnnShape).workspace;

const calls: Record<string, () => unknown[]> = {
  clipGradNorm: () => [grads(), 1, { normType: 2, errorIfNonfinite: false }],
  clipGradValue: () => [grads(), 0.5],
  clipGradsWithNorm: () => [grads(), 1, 3],
  getTotalNorm: () => [grads(), 2],
  gradStats: () => [grads()],
  agcClip: () => [[r(6, 11)], [r(6, 12)], { clipping: 0.01, eps: 1e-3, shapes: [[2, 3]] }],
  'ops.matmul': () => [r(8, 1), r(12, 2), new Float32Array(6), { ...mm }],
  'ops.linearForward': () => [r(6, 1), r(12, 2), r(4, 3), new Float32Array(8), { ...lin }],
  'ops.linearBackward': () => [r(6, 1), r(12, 2), r(8, 3), { gradX: new Float32Array(6), gradWeight: new Float32Array(12), gradBias: new Float32Array(4) }, { ...lin, accumulate: true }],
  'ops.batchNorm1d': () => [r(12, 9), [3, 4], { weight: r(4, 1), bias: r(4, 2), runningMean: new Float32Array(4), runningVar: new Float32Array(4).fill(1), training: true, momentum: 0.1, eps: 1e-5 }],
  'ops.batchNorm1dBackward': () => [r(12, 8), r(12, 9), [3, 4], bnSaved(), { weight: r(4, 1) }],
  'ops.layerNorm': () => [r(12, 9), 4, { weight: r(4, 1), bias: r(4, 2), eps: 1e-5 }],
  'ops.layerNormBackward': () => [r(12, 8), r(12, 9), 4, lnSaved(), { weight: r(4, 1) }],
  'ops.rnnForward': () => [r(24, 10), w(1), { ...rnnShape }, { h0: r(10, 11), nonlinearity: 'tanh' }],
  'ops.rnnBackward': () => [r(24, 10), w(1), { ...rnnShape }, rnnWs(), { gradOutput: r(30, 12), gradHN: r(10, 13) }],
  'ops.lstmForward': () => [r(24, 10), w(4), { ...rnnShape }, { h0: r(10, 11), c0: r(10, 14) }],
  'ops.lstmBackward': () => [r(24, 10), w(4), { ...rnnShape }, lstmWs(), { gradOutput: r(30, 12), gradHN: r(10, 13), gradCN: r(10, 15) }],
  'ops.rnnWorkspaceSize': () => [3, 2, 5],
  'ops.lstmWorkspaceSize': () => [3, 2, 5],
  'ops.mseLoss': () => [r(6, 1), r(6, 2), new Float32Array(6), { reduction: 'mean' }],
  'ops.crossEntropyLoss': () => [r(6, 1), new Int32Array([0, 2]), new Float32Array(6), { numClasses: 3 }],
  'ops.bceWithLogitsLoss': () => [r(6, 1), r(6, 2).map(Math.abs), new Float32Array(6)],
  'ops.residualAdd': () => [r(6, 1), r(6, 2), new Float32Array(6)],
  'ops.residualAddBackward': () => [r(6, 1), new Float32Array(6), new Float32Array(6)],
  'ops.relu': act(),
  'ops.reluBackward': actBack(),
  'ops.sigmoid': act(),
  'ops.sigmoidBackward': actBack(),
  'ops.tanh': act(),
  'ops.tanhBackward': actBack(),
  'ops.leakyRelu': act([{ negativeSlope: 0.1 }]),
  'ops.leakyReluBackward': actBack([{ negativeSlope: 0.1 }]),
  'ops.gelu': act([{ approximate: 'tanh' }]),
  'ops.geluBackward': actBack([{ approximate: 'none' }]),
  'ops.elu': act([{ alpha: 1 }]),
  'ops.eluBackward': actBack([{ alpha: 1 }]),
  'ops.softplus': act([{ beta: 1, threshold: 20 }]),
  'ops.softplusBackward': actBack([{ beta: 1, threshold: 20 }]),
};

// The *Async forms take the sync form's arguments.
for (const name of Object.keys(calls)) {
  const asyncName = `${name}Async`;
  const ns = name.startsWith('ops.') ? (gg.ops as unknown as Record<string, unknown>) : (gg as unknown as Record<string, unknown>);
  if (typeof ns[asyncName.replace(/^ops\./, '')] === 'function') calls[asyncName] = calls[name];
}

export const validCalls: Readonly<Record<string, () => unknown[]>> = calls;
