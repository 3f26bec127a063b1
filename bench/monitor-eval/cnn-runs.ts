// The demo's part 3 in the monitor evaluation: (b) the cured 20-convolution CNN (Kaiming, BatchNorm2d,
// residual connections, clipping, Adam) as a healthy run, and (a) the plain one (conv → ReLU ×20,
// weights N(0, 0.05²), SGD, no clipping) as a fault from step 1 whose first convolutions' gradients
// vanish. The demo's own builders, configurations and training loop (examples/adding/cnn-*.ts) and
// its MNIST digits; the short (CI) settings train on a small subset for a few dozen steps.
import { cnnConfigs, TEST_SIZE, TRAIN_SIZE } from '../../examples/adding/cnn-part.js';
import { runCnn } from '../../examples/adding/cnn-run.js';
import { parseFlags } from '../../examples/adding/flags.js';
import { loadMnist, type MnistSplit } from '../../examples/adding/mnist.js';
import type { GradientMonitor } from '../../lib/index.js';

/** Digits and epochs of one setting: the demo's (8,000 + 2,000 digits, 4 epochs = 500 steps) or CI's. */
interface CnnSize {
  train: number;
  test: number;
  epochs: number;
}

/** The demo's part 3 sizes. */
const FULL: CnnSize = { train: TRAIN_SIZE, test: TEST_SIZE, epochs: parseFlags([]).cnnEpochs };
/** CI: 1,280 digits (20 batches of 64) × 2 epochs = 40 steps, 200 held out (the epoch-end accuracy pass stays cheap). */
const SHORT: CnnSize = { train: 1280, test: 200, epochs: 2 };

// Loading parses the package's 10,000 digits (about a second): once per size, shared by both runs.
const cache = new Map<string, MnistSplit>();
function digits(s: CnnSize, seed: number): MnistSplit {
  const key = `${s.train}/${s.test}/${seed}`;
  let d = cache.get(key);
  if (!d) cache.set(key, (d = loadMnist(s.train, s.test, seed)));
  return d;
}

/**
 * One of part 3's runs with the demo's configuration (its monitor settings included), on the demo's
 * digits or CI's subset.
 * @param which 'plain' (a) or 'cured' (b).
 * @param short CI settings.
 * @param epochs overrides the setting's epochs (the fault needs only its first steps scored).
 */
export function cnnRun(which: 'plain' | 'cured', short: boolean, epochs?: number): GradientMonitor {
  const size = short ? SHORT : FULL;
  const flags = parseFlags([]);
  const [a, b] = cnnConfigs(flags);
  const cfg = which === 'plain' ? a : b;
  return runCnn({ ...cfg, epochs: epochs ?? size.epochs }, digits(size, flags.seed)).monitor;
}
