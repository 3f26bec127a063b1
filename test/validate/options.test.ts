// Unknown option keys are a TypeError everywhere: every options parameter of the public API (found
// from the TypeScript declarations by option-params.ts) has a minimal valid call here, and each
// refuses an unknown key with a TypeError naming it. A new export with options fails the first test
// until it is added to CALLS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as gg from '../../lib/index.js';
import { dist, monitor, nn, ops, train } from '../../lib/index.js';
import { optionParams } from './option-params.js';

const BOGUS = 'bogusOptionKey';
type Extra = Record<string, unknown>;
/** A minimal valid call with `extra` merged into the options parameter; `control: false` when the valid call itself must not run here (it would init MPI or needs it). */
interface Call {
  run: (extra: Extra) => unknown;
  control?: false;
}

const dir = mkdtempSync(join(tmpdir(), 'gg-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f32 = (n: number): Float32Array => new Float32Array(n).fill(0.5);
const params = (): { data: Float32Array; grad: Float32Array }[] => [{ data: f32(2), grad: f32(2) }];
const sgd = (): gg.SGD => new gg.SGD(params(), { lr: 0.1 });
const shape = { seqLen: 1, batch: 1, inputSize: 1, hiddenSize: 1 };
const rnnW = { weightIh: f32(1), weightHh: f32(1) };
const lstmW = { weightIh: f32(4), weightHh: f32(4) };
const lin = { batch: 1, inFeatures: 1, outFeatures: 1 };
const c2 = { batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 1, kernelSize: 1 };
const c1 = { batch: 1, inChannels: 1, outChannels: 1, length: 1, kernelSize: 1 };
const history = (): gg.GradientMonitor => {
  const m = new gg.GradientMonitor([{ name: 'w', grad: f32(2) }]);
  m.record(1, 1);
  return m;
};
const runs = (): monitor.ReportRun[] => [{ name: 'a', history: history() }];
const trainerOptions = (): gg.TrainerOptions => ({ model: new nn.Linear(1, 1), loss: new nn.MSELoss(), optimizer: (p) => new gg.SGD(p, { lr: 0.1 }), progress: 'none', handleSigint: false });
const init = (fn: (t: Float32Array, s: number[], o: Extra) => unknown): Call => ({ run: (e) => fn(f32(4), [2, 2], { seed: 1, ...e }) });
const bn = () => ops.batchNorm1d(f32(4), [2, 2]);
const ln = () => ops.layerNorm(f32(4), 2);
const rnnWs = () => ops.rnnForward(f32(1), rnnW, shape).workspace;
const lstmWs = () => ops.lstmForward(f32(1), lstmW, shape).workspace;
const gruW = { weightIh: f32(3), weightHh: f32(3) };
const gruWs = () => ops.gruForward(f32(1), gruW, shape).workspace;
const recurrent = (lstm: boolean) => {
  const m = lstm ? new nn.LSTM(1, 1) : new nn.RNN(1, 1);
  return m;
};
const x3 = (): nn.Tensor => ({ data: f32(1), shape: [1, 1, 1] });
const att = { batch: 1, heads: 1, lq: 1, lk: 1, d: 1, dv: 1 };
const selfAtt = { seqLen: 1, batch: 1, heads: 1, headDim: 1 };
const pool = { batch: 1, channels: 1, height: 2, width: 2, kernelSize: 2 };
const adaptive = { batch: 1, channels: 1, height: 2, width: 2, outputSize: 1 };
const bn2d = () => ops.batchNorm2d(f32(4), [1, 2, 1, 2]);

/** Every options parameter (key as option-params.ts names it) → a minimal valid call. */
const CALLS: Record<string, Call> = {
  'agcClip(2)': { run: (e) => gg.agcClip(params()[0].data, params()[0].grad, e) },
  'clipGradNorm(2)': { run: (e) => gg.clipGradNorm([f32(2)], 1, e) },
  'clipGradNormAsync(2)': { run: (e) => gg.clipGradNormAsync([f32(2)], 1, e) },
  'clipGradNormAndStep(2)': { run: (e) => gg.clipGradNormAndStep(sgd(), 1, e) },
  'new AutoClip(0)': { run: (e) => new gg.AutoClip(e) },
  'new ZClip(0)': { run: (e) => new gg.ZClip(e) },
  'new SGD(1)': { run: (e) => new gg.SGD(params(), { lr: 0.1, ...e }) },
  'new Adam(1)': { run: (e) => new gg.Adam(params(), e) },
  'new AdamW(1)': { run: (e) => new gg.AdamW(params(), e) },
  'Optimizer.prototype.step(0)': { run: (e) => sgd().step(e) },
  'new StepLR(1)': { run: (e) => new gg.StepLR(sgd(), { stepSize: 1, ...e }) },
  'new CosineAnnealingLR(1)': { run: (e) => new gg.CosineAnnealingLR(sgd(), { tMax: 1, ...e }) },
  'new LinearWarmup(1)': { run: (e) => new gg.LinearWarmup(sgd(), e) },
  'new ReduceLROnPlateau(1)': { run: (e) => new gg.ReduceLROnPlateau(sgd(), e) },
  'new WarmupCosineLR(1)': { run: (e) => new gg.WarmupCosineLR(sgd(), { warmupSteps: 1, totalSteps: 2, ...e }) },
  'uniform(2)': init(gg.uniform),
  'normal(2)': init(gg.normal),
  'xavierUniform(2)': init(gg.xavierUniform),
  'xavierNormal(2)': init(gg.xavierNormal),
  'kaimingUniform(2)': init(gg.kaimingUniform),
  'kaimingNormal(2)': init(gg.kaimingNormal),
  'orthogonal(2)': init(gg.orthogonal),
  'ops.matmul(3)': { run: (e) => ops.matmul(f32(1), f32(1), f32(1), { m: 1, n: 1, k: 1, ...e }) },
  'ops.matmulAsync(3)': { run: (e) => ops.matmulAsync(f32(1), f32(1), f32(1), { m: 1, n: 1, k: 1, ...e }) },
  'ops.linearForward(4)': { run: (e) => ops.linearForward(f32(1), f32(1), null, f32(1), { ...lin, ...e }) },
  'ops.linearForwardAsync(4)': { run: (e) => ops.linearForwardAsync(f32(1), f32(1), null, f32(1), { ...lin, ...e }) },
  'ops.linearBackward(3)': { run: (e) => ops.linearBackward(f32(1), f32(1), f32(1), { gradX: f32(1), ...e }, lin) },
  'ops.linearBackward(4)': { run: (e) => ops.linearBackward(f32(1), f32(1), f32(1), {}, { ...lin, sumSquares: new Float64Array(2), ...e }) },
  'ops.linearBackwardAsync(3)': { run: (e) => ops.linearBackwardAsync(f32(1), f32(1), f32(1), { gradX: f32(1), ...e }, lin) },
  'ops.linearBackwardAsync(4)': { run: (e) => ops.linearBackwardAsync(f32(1), f32(1), f32(1), {}, { ...lin, sumSquares: new Float64Array(2), ...e }) },
  'ops.leakyRelu(2)': { run: (e) => ops.leakyRelu(f32(2), null, e) },
  'ops.leakyReluBackward(3)': { run: (e) => ops.leakyReluBackward(f32(2), f32(2), null, e) },
  'ops.gelu(2)': { run: (e) => ops.gelu(f32(2), null, e) },
  'ops.geluBackward(3)': { run: (e) => ops.geluBackward(f32(2), f32(2), null, e) },
  'ops.elu(2)': { run: (e) => ops.elu(f32(2), null, e) },
  'ops.eluBackward(3)': { run: (e) => ops.eluBackward(f32(2), f32(2), null, e) },
  'ops.softplus(2)': { run: (e) => ops.softplus(f32(2), null, e) },
  'ops.softplusBackward(3)': { run: (e) => ops.softplusBackward(f32(2), f32(2), null, e) },
  'ops.mseLoss(3)': { run: (e) => ops.mseLoss(f32(2), f32(2), null, e) },
  'ops.crossEntropyLoss(3)': { run: (e) => ops.crossEntropyLoss(f32(2), new Int32Array([1]), null, e) },
  'ops.residualAddBackward(3)': { run: (e) => ops.residualAddBackward(f32(2), f32(2), null, e) },
  'ops.batchNorm1d(2)': { run: (e) => ops.batchNorm1d(f32(4), [2, 2], e) },
  'ops.batchNorm1dAsync(2)': { run: (e) => ops.batchNorm1dAsync(f32(4), [2, 2], e) },
  'ops.batchNorm1dBackward(4)': { run: (e) => ops.batchNorm1dBackward(f32(4), f32(4), [2, 2], bn(), e) },
  'ops.batchNorm1dBackwardAsync(4)': { run: (e) => ops.batchNorm1dBackwardAsync(f32(4), f32(4), [2, 2], bn(), e) },
  'ops.layerNorm(2)': { run: (e) => ops.layerNorm(f32(4), 2, e) },
  'ops.layerNormAsync(2)': { run: (e) => ops.layerNormAsync(f32(4), 2, e) },
  'ops.layerNormBackward(4)': { run: (e) => ops.layerNormBackward(f32(4), f32(4), 2, ln(), e) },
  'ops.layerNormBackwardAsync(4)': { run: (e) => ops.layerNormBackwardAsync(f32(4), f32(4), 2, ln(), e) },
  'ops.rnnForward(3)': { run: (e) => ops.rnnForward(f32(1), rnnW, shape, e) },
  'ops.rnnForwardAsync(3)': { run: (e) => ops.rnnForwardAsync(f32(1), rnnW, shape, e) },
  'ops.rnnBackward(4)': { run: (e) => ops.rnnBackward(f32(1), rnnW, shape, rnnWs(), e) },
  'ops.rnnBackwardAsync(4)': { run: (e) => ops.rnnBackwardAsync(f32(1), rnnW, shape, rnnWs(), e) },
  'ops.lstmForward(3)': { run: (e) => ops.lstmForward(f32(1), lstmW, shape, e) },
  'ops.lstmForwardAsync(3)': { run: (e) => ops.lstmForwardAsync(f32(1), lstmW, shape, e) },
  'ops.lstmBackward(4)': { run: (e) => ops.lstmBackward(f32(1), lstmW, shape, lstmWs(), e) },
  'ops.lstmBackwardAsync(4)': { run: (e) => ops.lstmBackwardAsync(f32(1), lstmW, shape, lstmWs(), e) },
  'ops.embeddingForward(3)': { run: (e) => ops.embeddingForward(new Int32Array(1), f32(2), f32(2), { numEmbeddings: 1, embeddingDim: 2, ...e }) },
  'ops.embeddingForwardAsync(3)': { run: (e) => ops.embeddingForwardAsync(new Int32Array(1), f32(2), f32(2), { numEmbeddings: 1, embeddingDim: 2, ...e }) },
  'ops.embeddingBackward(3)': { run: (e) => ops.embeddingBackward(new Int32Array(1), f32(2), f32(2), { numEmbeddings: 1, embeddingDim: 2, ...e }) },
  'ops.embeddingBackwardAsync(3)': { run: (e) => ops.embeddingBackwardAsync(new Int32Array(1), f32(2), f32(2), { numEmbeddings: 1, embeddingDim: 2, ...e }) },
  'ops.softmax(2)': { run: (e) => ops.softmax(f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.softmaxAsync(2)': { run: (e) => ops.softmaxAsync(f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.logSoftmax(2)': { run: (e) => ops.logSoftmax(f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.logSoftmaxAsync(2)': { run: (e) => ops.logSoftmaxAsync(f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.softmaxBackward(3)': { run: (e) => ops.softmaxBackward(f32(2), f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.softmaxBackwardAsync(3)': { run: (e) => ops.softmaxBackwardAsync(f32(2), f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.logSoftmaxBackward(3)': { run: (e) => ops.logSoftmaxBackward(f32(2), f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.logSoftmaxBackwardAsync(3)': { run: (e) => ops.logSoftmaxBackwardAsync(f32(2), f32(2), f32(2), { rows: 1, cols: 2, ...e }) },
  'ops.attentionForward(5)': { run: (e) => ops.attentionForward(f32(1), f32(1), f32(1), f32(1), f32(1), { ...att, ...e }) },
  'ops.attentionForwardAsync(5)': { run: (e) => ops.attentionForwardAsync(f32(1), f32(1), f32(1), f32(1), f32(1), { ...att, ...e }) },
  'ops.attentionBackward(6)': { run: (e) => ops.attentionBackward(f32(1), f32(1), f32(1), f32(1), f32(1), f32(1), { gradQ: f32(1), ...e }, att) },
  'ops.attentionBackward(7)': { run: (e) => ops.attentionBackward(f32(1), f32(1), f32(1), f32(1), f32(1), f32(1), {}, { ...att, ...e }) },
  'ops.attentionBackwardAsync(6)': { run: (e) => ops.attentionBackwardAsync(f32(1), f32(1), f32(1), f32(1), f32(1), f32(1), { gradQ: f32(1), ...e }, att) },
  'ops.attentionBackwardAsync(7)': { run: (e) => ops.attentionBackwardAsync(f32(1), f32(1), f32(1), f32(1), f32(1), f32(1), {}, { ...att, ...e }) },
  'ops.selfAttentionForward(3)': { run: (e) => ops.selfAttentionForward(f32(3), f32(1), f32(1), { ...selfAtt, ...e }) },
  'ops.selfAttentionForwardAsync(3)': { run: (e) => ops.selfAttentionForwardAsync(f32(3), f32(1), f32(1), { ...selfAtt, ...e }) },
  'ops.selfAttentionBackward(5)': { run: (e) => ops.selfAttentionBackward(f32(3), f32(1), f32(1), f32(1), f32(3), { ...selfAtt, ...e }) },
  'ops.selfAttentionBackwardAsync(5)': { run: (e) => ops.selfAttentionBackwardAsync(f32(3), f32(1), f32(1), f32(1), f32(3), { ...selfAtt, ...e }) },
  'ops.maxPool2dOutputSize(0)': { run: (e) => ops.maxPool2dOutputSize({ ...pool, ...e }) },
  'ops.maxPool2dForward(3)': { run: (e) => ops.maxPool2dForward(f32(4), f32(1), null, { ...pool, ...e }) },
  'ops.maxPool2dForwardAsync(3)': { run: (e) => ops.maxPool2dForwardAsync(f32(4), f32(1), null, { ...pool, ...e }) },
  'ops.maxPool2dBackward(3)': { run: (e) => ops.maxPool2dBackward(f32(1), new Int32Array(1), f32(4), { ...pool, ...e }) },
  'ops.maxPool2dBackwardAsync(3)': { run: (e) => ops.maxPool2dBackwardAsync(f32(1), new Int32Array(1), f32(4), { ...pool, ...e }) },
  'ops.avgPool2dOutputSize(0)': { run: (e) => ops.avgPool2dOutputSize({ ...pool, ...e }) },
  'ops.avgPool2dForward(2)': { run: (e) => ops.avgPool2dForward(f32(4), f32(1), { ...pool, ...e }) },
  'ops.avgPool2dForwardAsync(2)': { run: (e) => ops.avgPool2dForwardAsync(f32(4), f32(1), { ...pool, ...e }) },
  'ops.avgPool2dBackward(2)': { run: (e) => ops.avgPool2dBackward(f32(1), f32(4), { ...pool, ...e }) },
  'ops.avgPool2dBackwardAsync(2)': { run: (e) => ops.avgPool2dBackwardAsync(f32(1), f32(4), { ...pool, ...e }) },
  'ops.adaptiveAvgPool2dForward(2)': { run: (e) => ops.adaptiveAvgPool2dForward(f32(4), f32(1), { ...adaptive, ...e }) },
  'ops.adaptiveAvgPool2dForwardAsync(2)': { run: (e) => ops.adaptiveAvgPool2dForwardAsync(f32(4), f32(1), { ...adaptive, ...e }) },
  'ops.adaptiveAvgPool2dBackward(2)': { run: (e) => ops.adaptiveAvgPool2dBackward(f32(1), f32(4), { ...adaptive, ...e }) },
  'ops.adaptiveAvgPool2dBackwardAsync(2)': { run: (e) => ops.adaptiveAvgPool2dBackwardAsync(f32(1), f32(4), { ...adaptive, ...e }) },
  'ops.batchNorm2d(2)': { run: (e) => ops.batchNorm2d(f32(4), [1, 2, 1, 2], e) },
  'ops.batchNorm2dAsync(2)': { run: (e) => ops.batchNorm2dAsync(f32(4), [1, 2, 1, 2], e) },
  'ops.batchNorm2dBackward(4)': { run: (e) => ops.batchNorm2dBackward(f32(4), f32(4), [1, 2, 1, 2], bn2d(), e) },
  'ops.batchNorm2dBackwardAsync(4)': { run: (e) => ops.batchNorm2dBackwardAsync(f32(4), f32(4), [1, 2, 1, 2], bn2d(), e) },
  'ops.dropout(3)': { run: (e) => ops.dropout(f32(4), f32(4), new Uint8Array(4), { p: 0.5, ...e }) },
  'ops.dropoutBackward(3)': { run: (e) => ops.dropoutBackward(f32(4), new Uint8Array(4), f32(4), { p: 0.5, ...e }) },
  'ops.gruForward(3)': { run: (e) => ops.gruForward(f32(1), gruW, shape, e) },
  'ops.gruForwardAsync(3)': { run: (e) => ops.gruForwardAsync(f32(1), gruW, shape, e) },
  'ops.gruBackward(4)': { run: (e) => ops.gruBackward(f32(1), gruW, shape, gruWs(), e) },
  'ops.gruBackwardAsync(4)': { run: (e) => ops.gruBackwardAsync(f32(1), gruW, shape, gruWs(), e) },
  'new nn.Linear(2)': { run: (e) => new nn.Linear(1, 1, e) },
  'new nn.RNN(2)': { run: (e) => new nn.RNN(1, 1, e) },
  'new nn.LSTM(2)': { run: (e) => new nn.LSTM(1, 1, e) },
  'new nn.GRU(2)': { run: (e) => new nn.GRU(1, 1, e) },
  'new nn.BatchNorm1d(1)': { run: (e) => new nn.BatchNorm1d(2, e) },
  'new nn.LayerNorm(1)': { run: (e) => new nn.LayerNorm(2, e) },
  'new nn.Conv2d(3)': { run: (e) => new nn.Conv2d(1, 1, 1, e) },
  'new nn.Conv1d(3)': { run: (e) => new nn.Conv1d(1, 1, 1, e) },
  'new nn.MaxPool2d(1)': { run: (e) => new nn.MaxPool2d(2, e) },
  'new nn.AvgPool2d(1)': { run: (e) => new nn.AvgPool2d(2, e) },
  'new nn.BatchNorm2d(1)': { run: (e) => new nn.BatchNorm2d(2, e) },
  'new nn.Dropout(1)': { run: (e) => new nn.Dropout(0.5, e) },
  'new nn.Dropout2d(1)': { run: (e) => new nn.Dropout2d(0.5, e) },
  'new nn.MSELoss(0)': { run: (e) => new nn.MSELoss(e) },
  'new nn.Embedding(2)': { run: (e) => new nn.Embedding(2, 2, e) },
  'new nn.MultiheadAttention(2)': { run: (e) => new nn.MultiheadAttention(2, 1, e) },
  'new nn.TransformerEncoderLayer(2)': { run: (e) => new nn.TransformerEncoderLayer(2, 1, { dimFeedforward: 2, ...e }) },
  'MultiheadAttention.prototype.forward(1)': { run: (e) => new nn.MultiheadAttention(1, 1).forward(x3(), e) },
  'TransformerEncoderLayer.prototype.forward(1)': { run: (e) => new nn.TransformerEncoderLayer(1, 1, { dimFeedforward: 1 }).forward(x3(), e) },
  'Module.prototype.stateDict(0)': { run: (e) => new nn.Linear(1, 1).stateDict(e) },
  'Module.prototype.loadStateDict(1)': {
    run: (e) => {
      const m = new nn.Linear(1, 1);
      m.loadStateDict(m.stateDict(), e);
    },
  },
  'RecurrentBase.prototype.forward(1)': {
    run: (e) => {
      recurrent(false).forward(x3(), e);
      recurrent(true).forward(x3(), e);
    },
  },
  'RecurrentBase.prototype.backward(1)': {
    run: (e) => {
      for (const m of [recurrent(false), recurrent(true)]) {
        m.forward(x3());
        m.backward(x3(), e);
      }
    },
  },
  'nn.saveCheckpoint(3)': { run: (e) => nn.saveCheckpoint(join(dir, 'ck.bin'), new nn.Linear(1, 1), null, e) },
  'new GradientMonitor(1)': { run: (e) => new gg.GradientMonitor([{ name: 'w', grad: f32(2) }], e) },
  'new monitor.GradientMonitor(1)': { run: (e) => new monitor.GradientMonitor([{ name: 'w', grad: f32(2) }], e) },
  'new monitor.ExplodeDetector(0)': { run: (e) => new monitor.ExplodeDetector(e) },
  'new monitor.VanishDetector(0)': { run: (e) => new monitor.VanishDetector(e) },
  'new monitor.DivergeDetector(0)': { run: (e) => new monitor.DivergeDetector(e) },
  'new monitor.CollapseDetector(0)': { run: (e) => new monitor.CollapseDetector(e) },
  'new monitor.ClipPinnedDetector(0)': { run: (e) => new monitor.ClipPinnedDetector(e) },
  'new monitor.SpectralDetector(0)': { run: (e) => new monitor.SpectralDetector(e) },
  'GradientMonitor.prototype.on(2)': { run: (e) => history().on('all', () => {}, e) },
  'GradientMonitor.prototype.describeRun(0)': { run: (e) => history().describeRun(e) },
  'monitor.reportSpec(1)': { run: (e) => monitor.reportSpec(runs(), e) },
  'monitor.renderSvg(1)': { run: (e) => monitor.renderSvg(runs(), e) },
  'monitor.renderReport(1)': { run: (e) => monitor.renderReport(runs(), e) },
  'monitor.writeReport(2)': { run: (e) => monitor.writeReport(join(dir, 'report.html'), runs(), e) },
  'monitor.summaryTable(1)': { run: (e) => monitor.summaryTable(runs(), e) },
  'new Trainer(0)': { run: (e) => new gg.Trainer({ ...trainerOptions(), ...e }) },
  'new train.Trainer(0)': { run: (e) => new train.Trainer({ ...trainerOptions(), ...e }) },
  'Trainer.prototype.fit(1)': { run: (e) => new gg.Trainer(trainerOptions()).fit([], { epochs: 0, ...e }) },
  'fit(0)': { run: (e) => gg.fit({ ...trainerOptions(), data: [], epochs: 0, ...e }) },
  'train.fit(0)': { run: (e) => train.fit({ ...trainerOptions(), data: [], epochs: 0, ...e }) },
  // dist: the valid calls need MPI initialised (mpi.test.ts runs them under mpirun); the options are checked first.
  'dist.init(0)': { run: (e) => dist.init(e), control: false },
  'dist.getTotalNorm(0)': { run: (e) => dist.getTotalNorm({ sharded: f32(2), ...e }), control: false },
  'dist.clipGradNorm(0)': { run: (e) => dist.clipGradNorm({ sharded: f32(2), ...e }, 1), control: false },
  'dist.clipGradNorm(2)': { run: (e) => dist.clipGradNorm([f32(2)], 1, e), control: false },
  'new dist.DataParallel(2)': { run: (e) => new dist.DataParallel(sgd(), params(), e), control: false },
  'DataParallel.prototype.step(0)': { run: (e) => (Object.create(dist.DataParallel.prototype) as dist.DataParallel).step(e), control: false },
  'DataParallel.prototype.stepAsync(0)': { run: (e) => (Object.create(dist.DataParallel.prototype) as dist.DataParallel).stepAsync(e), control: false },
  'ops.conv2dOutputSize(0)': { run: (e) => ops.conv2dOutputSize({ ...c2, ...e }) },
  'ops.conv2dForward(4)': { run: (e) => ops.conv2dForward(f32(1), f32(1), null, f32(1), { ...c2, ...e }) },
  'ops.conv2dForwardAsync(4)': { run: (e) => ops.conv2dForwardAsync(f32(1), f32(1), null, f32(1), { ...c2, ...e }) },
  'ops.conv2dBackward(3)': { run: (e) => ops.conv2dBackward(f32(1), f32(1), f32(1), { gradX: f32(1), ...e }, c2) },
  'ops.conv2dBackward(4)': { run: (e) => ops.conv2dBackward(f32(1), f32(1), f32(1), {}, { ...c2, ...e }) },
  'ops.conv2dBackwardAsync(3)': { run: (e) => ops.conv2dBackwardAsync(f32(1), f32(1), f32(1), { gradX: f32(1), ...e }, c2) },
  'ops.conv2dBackwardAsync(4)': { run: (e) => ops.conv2dBackwardAsync(f32(1), f32(1), f32(1), {}, { ...c2, ...e }) },
  'ops.conv1dOutputLength(0)': { run: (e) => ops.conv1dOutputLength({ ...c1, ...e }) },
  'ops.conv1dForward(4)': { run: (e) => ops.conv1dForward(f32(1), f32(1), null, f32(1), { ...c1, ...e }) },
  'ops.conv1dForwardAsync(4)': { run: (e) => ops.conv1dForwardAsync(f32(1), f32(1), null, f32(1), { ...c1, ...e }) },
  'ops.conv1dBackward(3)': { run: (e) => ops.conv1dBackward(f32(1), f32(1), f32(1), { gradX: f32(1), ...e }, c1) },
  'ops.conv1dBackward(4)': { run: (e) => ops.conv1dBackward(f32(1), f32(1), f32(1), {}, { ...c1, ...e }) },
  'ops.conv1dBackwardAsync(3)': { run: (e) => ops.conv1dBackwardAsync(f32(1), f32(1), f32(1), { gradX: f32(1), ...e }, c1) },
  'ops.conv1dBackwardAsync(4)': { run: (e) => ops.conv1dBackwardAsync(f32(1), f32(1), f32(1), {}, { ...c1, ...e }) },
};

/** The error a call throws or rejects with, or null. */
async function errorOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return null;
}

describe('every options parameter of the public API refuses unknown keys', () => {
  const found = optionParams();

  it('finds the options parameters from the declarations of lib/index.ts, and CALLS covers exactly those', () => {
    expect(found.length).toBeGreaterThan(80);
    const keys = found.map((p) => p.key);
    for (const k of ['new SGD(1)', 'clipGradNorm(2)', 'ops.matmul(3)', 'new nn.LSTM(2)', 'new Trainer(0)', 'new dist.DataParallel(2)', 'new monitor.ExplodeDetector(0)']) expect(keys).toContain(k);
    const missing = found.filter((p) => !(p.key in CALLS)).map((p) => `${p.key} (${p.param})`);
    expect(missing, 'options parameters with no entry in CALLS: add a minimal valid call for each').toEqual([]);
    expect(Object.keys(CALLS).filter((k) => !keys.includes(k)), 'CALLS entries the declarations no longer have').toEqual([]);
  }, 60_000);

  it.each(Object.entries(CALLS))('%s: an unknown key is a TypeError naming it, the accepted keys and the caller', async (key, call) => {
    const err = (await errorOf(() => call.run({ [BOGUS]: 1 }))) as (TypeError & { code?: string }) | null;
    expect(err, key).toBeInstanceOf(TypeError);
    expect(err?.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err?.message).toMatch(new RegExp(`\\.${BOGUS} is not an option; (the options are|it takes no options)`));
    // A key whose value is undefined is still checked by name.
    const undef = (await errorOf(() => call.run({ [BOGUS]: undefined }))) as Error | null;
    expect(undef?.message).toMatch(new RegExp(`\\.${BOGUS} is not an option`));
    if (call.control !== false) {
      // The same call without the bogus key does not fail on its options (the table's calls are valid).
      const ok = (await errorOf(() => call.run({}))) as Error | null;
      if (ok !== null) expect(ok.message).not.toMatch(/is not an option|options: expected/);
      if (ok !== null && !/vega|MISSING_DEPENDENCY/i.test(`${ok.message} ${(ok as { code?: string }).code}`)) throw ok;
    }
  });
});
