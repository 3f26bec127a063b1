// A long Trainer run for the leak test: argv[2] steps with a checkpoint every argv[3] steps into
// argv[4] (a directory), norm clipping, the gradient monitor and Adam, on the backend GRADGUARD_BACKEND
// picks. After each checkpoint it collects garbage and records the process's memory; prints the
// samples as one JSON line at the end.
const gg = require(process.argv[5]);
const { join } = require('node:path');

const steps = Number(process.argv[2]);
const every = Number(process.argv[3]);
const dir = process.argv[4];
const nn = gg.nn;
const model = new nn.Sequential(new nn.Linear(32, 64, { seed: 1 }), new nn.Tanh(), new nn.Linear(64, 64, { seed: 2 }), new nn.ReLU(), new nn.Linear(64, 1, { seed: 3 }));
const monitor = new gg.GradientMonitor(model, { historySize: 1000 }); // full after 1,000 steps: steady state from there
const samples = [];
// GG_SOAK_PLANT_LEAK=bytes keeps that many bytes per step alive: the test's proof that it can fail.
const plant = Number(process.env.GG_SOAK_PLANT_LEAK ?? 0);
const planted = [];
const trainer = new gg.Trainer({
  model,
  loss: new nn.MSELoss(),
  optimizer: (p) => new gg.Adam(p, { lr: 1e-3 }),
  clip: { maxNorm: 1 },
  monitor,
  checkpoint: { path: join(dir, 'run.ckpt'), everySteps: every },
  silent: true,
  handleSigint: false,
  onStep: ({ step }) => {
    if (plant) planted.push(new Float32Array(plant / 4));
    if (step % every !== 0) return;
    global.gc();
    global.gc();
    const m = process.memoryUsage();
    samples.push({ step, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
  },
});
// A fixed pool of batches, so the data itself allocates nothing per step.
const batches = Array.from({ length: 16 }, (_, b) => {
  const x = new Float32Array(16 * 32).map((_, i) => Math.sin(i * 0.37 + b));
  const y = new Float32Array(16).map((_, i) => Math.cos(i + b));
  return { input: nn.tensor(x, [16, 32]), target: nn.tensor(y, [16, 1]) };
});
trainer
  .fit(batches, { maxSteps: steps, epochs: Math.ceil(steps / batches.length) })
  .then((r) => process.stdout.write(JSON.stringify({ steps: r.steps, samples }) + '\n'));
