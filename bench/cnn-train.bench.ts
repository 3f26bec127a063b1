// A CNN training step — the demo's part 3(b) network (20 convolutions 3×3 at 8/16 channels on 28×28
// digits, BatchNorm2d, residual connections, global average pooling, Linear head), batch 64,
// cross-entropy, norm clipping 1.0 folded into Adam — through Trainer.step: native on 1 and all
// threads vs the pure-TS backend, in steps per second. Random images (the timing does not depend on
// the pixel values), so the benchmark needs no data set.
// Run: npx tsx bench/cnn-train.bench.ts [--quick]   (part of npm run bench; --quick: fewer rounds)
import { cpus } from 'node:os';
import { Adam, backendInfo, getNumThreads, nativeAvailable, nn, Rng, setNumThreads, Trainer, useBackend } from '../lib/index.js';
import { curedCnn, DEMO_SHAPE } from '../examples/adding/cnn-models.js';

const quick = process.argv.includes('--quick');
const B = 64;

function setup(): { trainer: Trainer<Int32Array>; batch: { input: nn.Tensor; target: Int32Array } } {
  const { model } = curedCnn(DEMO_SHAPE, new Rng(1));
  const trainer = new Trainer<Int32Array>({ model, loss: new nn.CrossEntropyLoss(), optimizer: (p) => new Adam(p, { lr: 1e-3 }), clip: { maxNorm: 1 }, silent: true, handleSigint: false });
  const rng = new Rng(2);
  const x = Float32Array.from({ length: B * 28 * 28 }, () => rng.nextDouble() * 2 - 0.5);
  const y = Int32Array.from({ length: B }, (_, i) => i % 10);
  return { trainer, batch: { input: nn.tensor(x, [B, 1, 28, 28]), target: y } };
}

/** First call, then the median of `rounds` further calls, in seconds. */
function time(fn: () => void, rounds: number): { first: number; median: number } {
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const first = once();
  const v = Array.from({ length: rounds }, once).sort((a, b) => a - b);
  return { first, median: v[Math.floor(v.length / 2)] };
}

const all = nativeAvailable() ? getNumThreads() : 1;
console.log(`\nCNN training step (Trainer.step: the demo's 20-conv ResNet-style net, 8/16 channels, 28×28, batch ${B}, cross-entropy, clip 1.0, Adam) — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}`);
console.log('| contender | first ms | median ms | steps/s | × pure-TS |\n|---|---|---|---|---|');
const runs: [string, { first: number; median: number }][] = [];
useBackend('js');
{
  const { trainer, batch } = setup();
  runs.push(['pure-TS', time(() => void trainer.step(batch), quick ? 3 : 7)]);
}
if (nativeAvailable()) {
  for (const t of [...new Set([1, all])]) {
    useBackend('native');
    setNumThreads(t);
    const { trainer, batch } = setup();
    runs.push([`native ${t}t`, time(() => void trainer.step(batch), quick ? 5 : 21)]);
  }
  setNumThreads(all);
}
const js = runs[0][1].median;
for (const [name, s] of runs) {
  console.log(`| ${name} | ${(s.first * 1e3).toFixed(1)} | ${(s.median * 1e3).toFixed(1)} | ${(1 / s.median).toFixed(2)} | ${(js / s.median).toFixed(1)} |`);
}
