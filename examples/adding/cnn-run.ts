// One training run of part 3 (a CNN on real MNIST digits), watched by a GradientMonitor: each step
// takes a batch of a seeded shuffle → forward → cross-entropy → backward → monitor.record (one
// gradStats pass) → optional clipping with the norm the monitor just measured → optimiser step.
// Test accuracy on the held-out digits at the end of each epoch, in eval mode (BatchNorm's running
// statistics). The per-layer picture: the gradient norms of the first, middle and last convolution.
import { Adam, clipGradsWithNorm, CosineAnnealingLR, GradientMonitor, nn, Rng, SGD, type monitor } from '../../lib/index.js';
import { curedCnn, plainCnn, type CnnModel, type CnnShape } from './cnn-models.js';
import { permutation, SIDE, type DigitSet, type MnistSplit } from './mnist.js';

export interface CnnRunConfig {
  name: string;
  kind: 'plain' | 'cured';
  epochs: number;
  batch: number;
  optimizer: 'sgd' | 'sgd-momentum' | 'adam';
  lr: number;
  /** Global-norm clipping threshold, or null for none. */
  clip: number | null;
  /** Cosine decay of the learning rate to 0 over the run (per step). */
  cosine: boolean;
  /** Random translation of each training image by up to this many pixels (0: none). */
  shift: number;
  /** The network's widths, depths and head (cnn-models.ts). */
  shape: CnnShape;
  /** The plain network's weight std (N(0, std²)). */
  initStd: number;
  seed: number;
  /** Monitor settings (the vanish detector's patience fits the run's length). */
  monitor: monitor.MonitorOptions;
}

export interface LayerPicture {
  /** Names of the first, middle and last convolution weights. */
  layers: [string, string, string];
  /** [step, first, middle, last] gradient norms at sampled steps. */
  rows: [number, number, number, number][];
}

export interface CnnRunResult {
  name: string;
  config: CnnRunConfig;
  stepsRun: number;
  seconds: number;
  finalLoss: number;
  testAccuracy: number;
  /** [epoch, test accuracy]. */
  testCurve: [number, number][];
  picture: LayerPicture;
  firstNonFiniteStep: number | null;
  monitor: GradientMonitor;
}

export interface CnnRunHooks {
  onStep?: (step: number, loss: number, gradNorm: number) => void;
  onEpoch?: (epoch: number, testAccuracy: number) => void;
}

const EVAL_BATCH = 250;

/** Fraction of `set` the model classifies correctly (eval mode, batches of 250). */
export function accuracy(model: nn.Module, set: DigitSet): number {
  const wasTraining = model.training;
  model.eval();
  const px = SIDE * SIDE;
  let correct = 0;
  for (let i = 0; i < set.n; i += EVAL_BATCH) {
    const b = Math.min(EVAL_BATCH, set.n - i);
    const out = model.forward({ data: set.images.subarray(i * px, (i + b) * px), shape: [b, 1, SIDE, SIDE] }).data;
    for (let r = 0; r < b; r++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (out[r * 10 + k] > out[r * 10 + best]) best = k;
      if (best === set.labels[i + r]) correct++;
    }
  }
  model.train(wasTraining);
  return correct / set.n;
}

/** Image k of `src` moved by (dy, dx) pixels into slot i of `dst`; uncovered pixels get the background. */
function shifted(src: Float32Array, k: number, dst: Float32Array, i: number, dy: number, dx: number): void {
  const px = SIDE * SIDE;
  const bg = src[k * px]; // a corner pixel: MNIST's corners are background
  for (let r = 0; r < SIDE; r++) {
    const sr = r - dy;
    for (let c = 0; c < SIDE; c++) {
      const sc = c - dx;
      dst[i * px + r * SIDE + c] = sr >= 0 && sr < SIDE && sc >= 0 && sc < SIDE ? src[k * px + sr * SIDE + sc] : bg;
    }
  }
}

/** Steps at which the per-layer picture samples the norms: 1, 2, 5, 10, 20, 50, … and the last. */
const sampled = (step: number): boolean => /^[125]0*$/.test(String(step));

export function buildCnn(cfg: CnnRunConfig): CnnModel {
  const rng = new Rng(cfg.seed);
  return cfg.kind === 'plain' ? plainCnn(cfg.shape, cfg.initStd, rng) : curedCnn(cfg.shape, rng);
}

export function runCnn(cfg: CnnRunConfig, data: MnistSplit, hooks: CnnRunHooks = {}): CnnRunResult {
  const { model, convWeights } = buildCnn(cfg);
  const store = model.paramStore();
  const opt = cfg.optimizer === 'adam' ? new Adam(store, { lr: cfg.lr }) : new SGD(store, { lr: cfg.lr, momentum: cfg.optimizer === 'sgd-momentum' ? 0.9 : 0 });
  const sched = cfg.cosine ? new CosineAnnealingLR(opt, { tMax: cnnSteps(cfg, data.train.n) }) : null;
  const mon = new GradientMonitor(model, cfg.monitor);
  const names = model.namedParameters().map(([n]) => n);
  const pick = [convWeights[0], convWeights[Math.floor((convWeights.length - 1) / 2)], convWeights[convWeights.length - 1]] as [string, string, string];
  const idx = pick.map((n) => names.indexOf(n));
  const picture: LayerPicture = { layers: pick, rows: [] };
  const loss = new nn.CrossEntropyLoss();
  const { train, test } = data;
  const px = SIDE * SIDE;
  const x = new Float32Array(cfg.batch * px);
  const y = new Int32Array(cfg.batch);
  const shuffle = new Rng(cfg.seed + 7919);
  const perEpoch = Math.floor(train.n / cfg.batch); // the last partial batch is dropped (drop_last)
  const testCurve: [number, number][] = [];
  let firstNonFinite: number | null = null;
  let lastLoss = NaN;
  let step = 0;
  const t0 = performance.now();
  let row: [number, number, number, number] | null = null;
  outer: for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const order = permutation(train.n, shuffle);
    for (let b = 0; b < perEpoch; b++) {
      for (let i = 0; i < cfg.batch; i++) {
        const k = order[b * cfg.batch + i];
        if (cfg.shift > 0) shifted(train.images, k, x, i, Math.floor(shuffle.nextDouble() * (2 * cfg.shift + 1)) - cfg.shift, Math.floor(shuffle.nextDouble() * (2 * cfg.shift + 1)) - cfg.shift);
        else x.set(train.images.subarray(k * px, (k + 1) * px), i * px);
        y[i] = train.labels[k];
      }
      step++;
      model.zeroGrad();
      const out = model.forward({ data: x, shape: [cfg.batch, 1, SIDE, SIDE] });
      lastLoss = loss.forward(out, y);
      model.backward(loss.backward());
      const rec = mon.record(step, lastLoss);
      hooks.onStep?.(step, lastLoss, rec.totalNorm);
      const per = rec.stats.perTensorNorms;
      row = [step, per[idx[0]], per[idx[1]], per[idx[2]]];
      if (sampled(step)) picture.rows.push(row);
      if (!Number.isFinite(rec.totalNorm) || !Number.isFinite(lastLoss)) {
        firstNonFinite ??= step;
        if (cfg.clip === null) break outer; // diverged: the weights would be NaN
      }
      if (cfg.clip !== null) clipGradsWithNorm(store.grads, cfg.clip, rec.totalNorm);
      opt.step(cfg.clip !== null ? { skipIfNonfinite: true, totalNorm: rec.totalNorm } : undefined);
      sched?.step();
    }
    const acc = accuracy(model, test);
    testCurve.push([epoch, acc]);
    hooks.onEpoch?.(epoch, acc);
  }
  if (row && picture.rows[picture.rows.length - 1]?.[0] !== row[0]) picture.rows.push(row);
  const testAccuracy = testCurve.length > 0 ? testCurve[testCurve.length - 1][1] : accuracy(model, test);
  return { name: cfg.name, config: cfg, stepsRun: step, seconds: (performance.now() - t0) / 1000, finalLoss: lastLoss, testAccuracy, testCurve, picture, firstNonFiniteStep: firstNonFinite, monitor: mon };
}


/** Steps a run takes: whole batches per epoch (drop_last) × epochs. */
export const cnnSteps = (cfg: CnnRunConfig, trainSize: number): number => cfg.epochs * Math.floor(trainSize / cfg.batch);
