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

const conv2 = { batch: 2, inChannels: 3, outChannels: 4, height: 5, width: 6, kernelSize: 3, stride: 1, padding: 1, dilation: 1, groups: 1 };
const conv1 = { batch: 2, inChannels: 3, outChannels: 4, length: 9, kernelSize: 3, stride: 1, padding: 1, dilation: 1, groups: 1 };
const pool = { batch: 2, channels: 3, height: 6, width: 6 };
const attn = { batch: 2, heads: 2, lq: 3, lk: 5, d: 4, dv: 3, causal: false };
const maxIdx = (): Int32Array => {
  const idx = new Int32Array(2 * 3 * 3 * 3);
  gg.ops.maxPool2dForward(r(2 * 3 * 6 * 6, 1), new Float32Array(idx.length), idx, { ...pool, kernelSize: 2 });
  return idx;
};

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
  // Issue 13 and 14 ops.
  'ops.conv2dForward': () => [r(2 * 3 * 5 * 6, 1), r(4 * 3 * 3 * 3, 2), r(4, 3), new Float32Array(2 * 4 * 5 * 6), { ...conv2 }],
  'ops.conv2dBackward': () => [r(2 * 3 * 5 * 6, 1), r(4 * 3 * 3 * 3, 2), r(2 * 4 * 5 * 6, 3), { gradX: new Float32Array(2 * 3 * 5 * 6), gradWeight: new Float32Array(4 * 3 * 3 * 3), gradBias: new Float32Array(4) }, { ...conv2, accumulate: false }],
  'ops.conv1dForward': () => [r(2 * 3 * 9, 1), r(4 * 3 * 3, 2), r(4, 3), new Float32Array(2 * 4 * 9), { ...conv1 }],
  'ops.conv1dBackward': () => [r(2 * 3 * 9, 1), r(4 * 3 * 3, 2), r(2 * 4 * 9, 3), { gradX: new Float32Array(2 * 3 * 9), gradWeight: new Float32Array(4 * 3 * 3), gradBias: new Float32Array(4) }, { ...conv1, accumulate: true }],
  'ops.conv2dOutputSize': () => [{ ...conv2 }],
  'ops.conv1dOutputLength': () => [{ ...conv1 }],
  'ops.maxPool2dForward': () => [r(2 * 3 * 6 * 6, 1), new Float32Array(2 * 3 * 3 * 3), new Int32Array(2 * 3 * 3 * 3), { ...pool, kernelSize: 2, stride: 2, padding: 0, dilation: 1, ceilMode: false }],
  'ops.maxPool2dBackward': () => [r(2 * 3 * 3 * 3, 2), maxIdx(), new Float32Array(2 * 3 * 6 * 6), { ...pool, kernelSize: 2 }],
  'ops.maxPool2dOutputSize': () => [{ ...pool, kernelSize: 2 }],
  'ops.avgPool2dForward': () => [r(2 * 3 * 6 * 6, 1), new Float32Array(2 * 3 * 3 * 3), { ...pool, kernelSize: 3, stride: 2, padding: 1, ceilMode: false, countIncludePad: false }],
  'ops.avgPool2dBackward': () => [r(2 * 3 * 3 * 3, 2), new Float32Array(2 * 3 * 6 * 6), { ...pool, kernelSize: 3, stride: 2, padding: 1, countIncludePad: true }],
  'ops.avgPool2dOutputSize': () => [{ ...pool, kernelSize: 3, stride: 2, padding: 1 }],
  'ops.adaptiveAvgPool2dForward': () => [r(2 * 3 * 6 * 6, 1), new Float32Array(2 * 3 * 2 * 4), { ...pool, outputSize: [2, 4] }],
  'ops.adaptiveAvgPool2dBackward': () => [r(2 * 3 * 2 * 4, 2), new Float32Array(2 * 3 * 6 * 6), { ...pool, outputSize: [2, 4] }],
  'ops.batchNorm2d': () => [r(2 * 3 * 4 * 5, 9), [2, 3, 4, 5], { weight: r(3, 1), bias: r(3, 2), runningMean: new Float32Array(3), runningVar: new Float32Array(3).fill(1), training: true, momentum: 0.1, eps: 1e-5 }],
  'ops.batchNorm2dBackward': () => [r(2 * 3 * 4 * 5, 8), r(2 * 3 * 4 * 5, 9), [2, 3, 4, 5], gg.ops.batchNorm2d(r(2 * 3 * 4 * 5, 9), [2, 3, 4, 5]), { weight: r(3, 1) }],
  'ops.dropout': () => [r(24, 1), new Float32Array(24), new Uint8Array(6), { p: 0.5, groupSize: 4, rng: new gg.Rng(3) }],
  'ops.dropoutBackward': () => [r(24, 2), new Uint8Array(6).fill(1), new Float32Array(24), { p: 0.5, groupSize: 4 }],
  'ops.embeddingForward': () => [new Int32Array([0, 3, 3, 1]), r(5 * 6, 1), new Float32Array(4 * 6), { numEmbeddings: 5, embeddingDim: 6, paddingIdx: 1 }],
  'ops.embeddingBackward': () => [new Int32Array([0, 3, 3, 1]), r(4 * 6, 2), new Float32Array(5 * 6), { numEmbeddings: 5, embeddingDim: 6, paddingIdx: 1, accumulate: true }],
  'ops.softmax': () => [r(12, 1), new Float32Array(12), { rows: 3, cols: 4 }],
  'ops.logSoftmax': () => [r(12, 1), new Float32Array(12), { rows: 3, cols: 4 }],
  'ops.softmaxBackward': () => [gg.ops.softmax(r(12, 1), new Float32Array(12), { rows: 3, cols: 4 }), r(12, 2), new Float32Array(12), { rows: 3, cols: 4 }],
  'ops.logSoftmaxBackward': () => [gg.ops.logSoftmax(r(12, 1), new Float32Array(12), { rows: 3, cols: 4 }), r(12, 2), new Float32Array(12), { rows: 3, cols: 4 }],
  'ops.attentionForward': () => [r(2 * 2 * 3 * 4, 1), r(2 * 2 * 5 * 4, 2), r(2 * 2 * 5 * 3, 3), new Float32Array(2 * 2 * 3 * 3), new Float32Array(2 * 2 * 3), { ...attn, mask: r(15, 4), scale: 0.5 }],
  'ops.attentionBackward': () => {
    const q = r(2 * 2 * 4 * 4, 1), k = r(2 * 2 * 4 * 4, 2), v = r(2 * 2 * 4 * 3, 3), out = new Float32Array(2 * 2 * 4 * 3), lse = new Float32Array(2 * 2 * 4);
    const o = { batch: 2, heads: 2, lq: 4, lk: 4, d: 4, dv: 3, causal: true };
    gg.ops.attentionForward(q, k, v, out, lse, o);
    return [q, k, v, out, lse, r(2 * 2 * 4 * 3, 5), { gradQ: new Float32Array(q.length), gradK: new Float32Array(k.length), gradV: new Float32Array(v.length) }, { ...o }];
  },
  'ops.selfAttentionForward': () => [r(4 * 2 * 3 * 6, 1), new Float32Array(4 * 2 * 6), new Float32Array(2 * 2 * 4), { seqLen: 4, batch: 2, heads: 2, headDim: 3, causal: false, mask: r(16, 4), scale: 0.5 }],
  'ops.selfAttentionBackward': () => {
    const qkv = r(4 * 2 * 3 * 6, 1), out = new Float32Array(4 * 2 * 6), lse = new Float32Array(2 * 2 * 4);
    const o = { seqLen: 4, batch: 2, heads: 2, headDim: 3, causal: true };
    gg.ops.selfAttentionForward(qkv, out, lse, o);
    return [qkv, out, lse, r(out.length, 5), new Float32Array(qkv.length), { ...o }];
  },
  'ops.gruForward': () => [r(24, 10), w(3), { ...rnnShape }, { h0: r(10, 11) }],
  'ops.gruBackward': () => [r(24, 10), w(3), { ...rnnShape }, gg.ops.gruForward(r(24, 10), w(3), rnnShape).workspace, { gradOutput: r(30, 12), gradHN: r(10, 13) }],
  'ops.gruWorkspaceSize': () => [3, 2, 5],
};

// The *Async forms take the sync form's arguments.
for (const name of Object.keys(calls)) {
  const asyncName = `${name}Async`;
  const ns = name.startsWith('ops.') ? (gg.ops as unknown as Record<string, unknown>) : (gg as unknown as Record<string, unknown>);
  if (typeof ns[asyncName.replace(/^ops\./, '')] === 'function') calls[asyncName] = calls[name];
}

export const validCalls: Readonly<Record<string, () => unknown[]>> = calls;
