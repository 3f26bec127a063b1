// The runs the monitor evaluation scores (bench/monitor-eval.ts): healthy runs, on which the monitor
// must raise no warning or error, and runs with a planted fault, which it must flag at warning or error
// within 5 steps of the fault's onset, naming the right layer. Adding a run = adding an entry to RUNS
// (see docs/monitor.md, "The evaluation"): `run` trains and returns its monitor; a fault gives its
// onset step and the layer a correct event names (null: a global fault, any layer or none).
import { demoConfigs } from '../../examples/adding/demo.js';
import { parseFlags } from '../../examples/adding/flags.js';
import { runAdding } from '../../examples/adding/run.js';
import { charLstmRun, transformerRun } from './char-runs.js';
import { cnnRun } from './cnn-runs.js';
import { Adam, CosineAnnealingLR, GradientMonitor, nn, Rng, SGD, Trainer, type train } from '../../lib/index.js';

type Batch = train.Batch;

export interface EvalSettings {
  /** CI settings: shorter runs (the faults keep their onsets). */
  short: boolean;
}

export interface PlantedFault {
  /** The first step the fault acts on. */
  onset: number;
  /** What a correct event names: a layer pattern, or null for a global fault (any layer, or the loss). */
  layer: RegExp | null;
  /** One line: what was planted. */
  what: string;
}

export interface EvalRun {
  name: string;
  /** Present on a faulty run. */
  fault?: PlantedFault;
  /** Only with the full settings (npm run bench), not in CI: the longer runs. */
  fullOnly?: boolean;
  /** Trains the run and returns its monitor (every event kept). */
  run(s: EvalSettings): GradientMonitor;
}

const demo = demoConfigs(parseFlags([]));
const [c1a, c1b, c2] = demo;

/** A regression MLP (8 → 32 → 32 → 1, ReLU) trained by a Trainer: the monitor gets the run's context from it. */
interface MlpRun {
  steps: number;
  optimizer: 'adam' | 'sgd';
  clip?: number;
  cosine?: boolean;
  /** Called before each step (step number from 1) with the model, trainer and the step's batch: plants a fault. */
  plant?: (step: number, model: nn.Sequential, trainer: Trainer, batch: Batch) => void;
  /** Wraps the model's backward (for a bug in backward). */
  buggy?: (step: () => number, model: nn.Sequential) => void;
}

class BuggySequential extends nn.Sequential {
  hook: (() => void) | null = null;
  override backward(g: nn.Tensor): nn.Tensor {
    const r = super.backward(g);
    this.hook?.();
    return r;
  }
}

function mlp(cfg: MlpRun): GradientMonitor {
  const rng = new Rng(11);
  const model = new BuggySequential(new nn.Linear(8, 32, { seed: 1 }), new nn.ReLU(), new nn.Linear(32, 32, { seed: 2 }), new nn.ReLU(), new nn.Linear(32, 1, { seed: 3 }));
  const mon = new GradientMonitor(model, { maxEvents: 100_000 });
  const store = model.paramStore();
  const optimizer = cfg.optimizer === 'adam' ? new Adam(store, { lr: 1e-3 }) : new SGD(store, { lr: 0.01, momentum: 0.9 });
  const trainer = new Trainer({
    model,
    loss: new nn.MSELoss(),
    optimizer,
    ...(cfg.cosine ? { scheduler: new CosineAnnealingLR(optimizer, { tMax: cfg.steps }) } : {}),
    ...(cfg.clip !== undefined ? { clip: { maxNorm: cfg.clip } } : {}),
    silent: true,
    handleSigint: false,
    monitor: mon,
  });
  // A fixed smooth target: y = sin(x·a) + 0.5·x·b, with a little noise.
  const a = Float32Array.from({ length: 8 }, () => rng.nextDouble() * 2 - 1);
  const b = Float32Array.from({ length: 8 }, () => rng.nextDouble() * 2 - 1);
  const B = 32;
  let step = 0;
  cfg.buggy?.(() => step, model);
  for (step = 1; step <= cfg.steps; step++) {
    const x = new Float32Array(B * 8);
    const y = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      let s1 = 0;
      let s2 = 0;
      for (let k = 0; k < 8; k++) {
        const v = rng.nextDouble() * 2 - 1;
        x[i * 8 + k] = v;
        s1 += v * a[k];
        s2 += v * b[k];
      }
      y[i] = Math.sin(2 * s1) + 0.5 * s2 + 0.05 * (rng.nextDouble() - 0.5);
    }
    const batch = { input: nn.tensor(x, [B, 8]), target: nn.tensor(y, [B, 1]) };
    cfg.plant?.(step, model, trainer, batch);
    trainer.step(batch);
  }
  return mon;
}

const ONSET = 300;
const linear = (m: nn.Sequential, i: number): nn.Linear => m.layers[i] as nn.Linear;

/** Every run the evaluation scores, healthy first. */
export const RUNS: EvalRun[] = [
  { name: 'demo 1b: RNN, clipped 1.0 (SGD)', run: (s) => runAdding({ ...c1b, steps: s.short ? 1500 : c1b.steps }).monitor },
  { name: 'demo 2: LSTM, Adam, clipped', run: (s) => runAdding({ ...c2, steps: s.short ? 1000 : c2.steps }).monitor },
  // Other seeds of the demo's healthy runs (other initial weights and batches): full settings only.
  ...[1, 2].map((seed): EvalRun => ({ name: `demo 1b, seed ${seed}`, fullOnly: true, run: () => runAdding({ ...c1b, seed }).monitor })),
  { name: 'demo 2, seed 1', fullOnly: true, run: () => runAdding({ ...c2, seed: 1 }).monitor },
  { name: 'MLP, Adam, unclipped', run: (s) => mlp({ steps: s.short ? 1500 : 3000, optimizer: 'adam' }) },
  { name: 'MLP, SGD momentum, unclipped (the lr-spike run without its spike)', run: (s) => mlp({ steps: s.short ? 1500 : 3000, optimizer: 'sgd' }) },
  { name: 'MLP, SGD momentum, cosine LR, clipped 1.0', run: (s) => mlp({ steps: s.short ? 1500 : 3000, optimizer: 'sgd', clip: 1, cosine: true }) },
  { name: 'demo 3b: CNN, 20 conv + Kaiming, BN, residual, clipped (MNIST)', run: (s) => cnnRun('cured', s.short) },
  { name: 'Transformer example (names)', run: (s) => transformerRun(s.short ? 300 : 1500) },
  { name: 'char-LSTM example (names)', run: (s) => charLstmRun(s.short ? 300 : 1500) },
  {
    name: 'demo 1a: RNN, unclipped (explodes)',
    fault: { onset: 1, layer: /weight_hh/, what: 'recurrent weights orthogonal × 1.5, no clipping: explodes from the start' },
    run: () => runAdding({ ...c1a, steps: 1500 }).monitor,
  },
  {
    name: 'demo 3a: plain CNN, 20 conv (MNIST)',
    fault: { onset: 1, layer: /^(0|2|4)\./, what: 'conv → ReLU ×20, weights N(0, 0.05²), SGD, no clipping: the first convolutions\' gradients vanish from the start' },
    // One epoch is enough to score a fault from step 1 (the scoring looks at its first 5 steps and before).
    run: (s) => cnnRun('plain', s.short, 1),
  },
  {
    name: 'MLP, SGD: learning-rate spike',
    fault: { onset: ONSET, layer: null, what: `lr × 300 for step ${ONSET} only` },
    run: () => mlp({ steps: ONSET + 100, optimizer: 'sgd', plant: (step, _m, t) => {
      if (step === ONSET) t.optimizer.lr *= 300;
      if (step === ONSET + 1) t.optimizer.lr /= 300;
    } }),
  },
  {
    name: 'MLP, Adam: NaN batch',
    fault: { onset: ONSET, layer: null, what: `one input value NaN at step ${ONSET}` },
    run: () => mlp({ steps: ONSET + 100, optimizer: 'adam', plant: (step, _m, _t, batch) => {
      if (step === ONSET) batch.input.data[5] = NaN;
    } }),
  },
  {
    name: 'MLP, Adam: dead ReLU layer',
    fault: { onset: ONSET, layer: /^2\./, what: `layer 2's bias set to −100 before step ${ONSET}: every ReLU after it inactive` },
    run: () => mlp({ steps: ONSET + 100, optimizer: 'adam', plant: (step, m) => {
      if (step === ONSET) linear(m, 2).bias!.data.fill(-100);
    } }),
  },
  {
    name: 'MLP, Adam: gradient zeroed by a bug',
    fault: { onset: ONSET, layer: /^2\.weight$/, what: `2.weight's gradient zeroed after backward from step ${ONSET}` },
    run: () => mlp({ steps: ONSET + 100, optimizer: 'adam', buggy: (step, m) => {
      (m as BuggySequential).hook = () => {
        if (step() >= ONSET) linear(m, 2).weight.grad.fill(0);
      };
    } }),
  },
];
