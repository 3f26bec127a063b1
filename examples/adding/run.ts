// One training run of the adding problem, watched by a GradientMonitor: the loop the demo runs three
// times. Each step: fresh batch → forward/backward (models.ts) → monitor.record (one gradStats pass)
// → optional clipping with the norm the monitor just measured → optimiser step. An unclipped run stops
// at the first non-finite gradient or loss: nothing can be learnt after that.
import { Adam, clipGradsWithNorm, GradientMonitor, Rng, SGD, monitor } from '../../lib/index.js';
import { BASELINE_MSE, fillBatch, makeBatch } from './data.js';
import { createModel, type Cell } from './models.js';

export interface RunConfig {
  name: string;
  cell: Cell;
  hiddenSize: number;
  seqLen: number;
  batch: number;
  steps: number;
  optimizer: 'sgd-momentum' | 'adam';
  lr: number;
  /** Global-norm clipping threshold, or null for none. */
  clip: number | null;
  /** Orthogonal recurrent weights × gain (RNN only); PyTorch default init when absent. */
  recurrentGain?: number;
  seed: number;
  /** Test-set size (fresh sequences from their own seed). */
  testSize: number;
  /** Test MSE every this many steps (and at the end). */
  evalEvery: number;
}

export interface RunResult {
  name: string;
  config: RunConfig;
  stepsRun: number;
  seconds: number;
  finalLoss: number;
  testMse: number;
  /** Test MSE at each evaluation: [step, mse]. */
  testCurve: [number, number][];
  /** First step whose gradients or loss were non-finite, or null. */
  firstNonFiniteStep: number | null;
  monitor: GradientMonitor;
}

export interface RunHooks {
  /** After every step. */
  onStep?: (step: number, loss: number, gradNorm: number) => void;
  onEvent?: (e: monitor.MonitorEvent) => void;
  onEval?: (step: number, testMse: number) => void;
}

export function runAdding(cfg: RunConfig, hooks: RunHooks = {}): RunResult {
  // Same seed → same initial weights and the same batches, whatever the clipping.
  const rng = new Rng(cfg.seed);
  const model = createModel({ cell: cfg.cell, hiddenSize: cfg.hiddenSize, recurrentGain: cfg.recurrentGain, rng });
  const opt = cfg.optimizer === 'adam' ? new Adam(model.store, { lr: cfg.lr }) : new SGD(model.store, { lr: cfg.lr, momentum: 0.9 });
  // The monitor knows the run (clipping, optimiser, init), so it never advises clipping to a clipped run.
  const init = cfg.recurrentGain !== undefined ? `PyTorch default, recurrent orthogonal × ${cfg.recurrentGain}` : 'PyTorch default';
  const optimizer = cfg.optimizer === 'adam' ? 'Adam' : 'SGD momentum 0.9';
  const mon = new GradientMonitor(model.params, { onEvent: hooks.onEvent, run: { clip: cfg.clip, optimizer, lr: cfg.lr, init } });
  const batch = makeBatch(cfg.seqLen, cfg.batch);
  const test = fillBatch(makeBatch(cfg.seqLen, cfg.testSize), new Rng(cfg.seed + 1_000_003));
  const testCurve: [number, number][] = [];
  let firstNonFinite: number | null = null;
  let loss = NaN;
  let step = 0;
  const t0 = performance.now();
  while (step < cfg.steps) {
    step++;
    loss = model.trainStep(fillBatch(batch, rng));
    const rec = mon.record(step, loss);
    hooks.onStep?.(step, loss, rec.totalNorm);
    if (!Number.isFinite(rec.totalNorm) || !Number.isFinite(loss)) {
      firstNonFinite ??= step;
      if (cfg.clip === null) break; // diverged: the weights are now NaN/Inf
    }
    // = clipGradNorm(grads, clip), reusing the norm the monitor just measured (no second pass); a
    // clipped run skips a step whose gradients are non-finite instead of writing NaN weights.
    if (cfg.clip !== null) clipGradsWithNorm(model.store.grads, cfg.clip, rec.totalNorm);
    opt.step(cfg.clip !== null ? { skipIfNonfinite: true, totalNorm: rec.totalNorm } : undefined);
    if (step % cfg.evalEvery === 0 && step < cfg.steps) {
      const mse = model.evaluate(test);
      testCurve.push([step, mse]);
      hooks.onEval?.(step, mse);
    }
  }
  const testMse = model.evaluate(test);
  testCurve.push([step, testMse]);
  hooks.onEval?.(step, testMse);
  return { name: cfg.name, config: cfg, stepsRun: step, seconds: (performance.now() - t0) / 1000, finalLoss: loss, testMse, testCurve, firstNonFiniteStep: firstNonFinite, monitor: mon };
}

export { BASELINE_MSE };
