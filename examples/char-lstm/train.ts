// A character-level LSTM trained on ~300 common English first names (names.txt, shipped with the
// example), sampling new names as it learns. The whole model is gradguard's nn modules and Trainer:
// one-hot characters → LSTM → Linear → CrossEntropyLoss over the next character, Adam, clipping at 1.
// Run: npm run example:char-lstm [-- --steps 1500 --hidden 64 --seq 12 --lr 0.01 --seed 1 --backend js --threads 1 --time 30]
// --time S stops after S seconds of training steps (sampling not counted); --steps stays an upper bound.
import { readFileSync } from 'node:fs';
import { Adam, backendInfo, nn, Rng, setNumThreads, Trainer, useBackend, type train } from '../../lib/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
if (process.argv.includes('--backend')) useBackend(process.argv[process.argv.indexOf('--backend') + 1] as 'js' | 'native');
if (process.argv.includes('--threads')) setNumThreads(arg('threads', 1));
const steps = arg('steps', 1500);
const hidden = arg('hidden', 64);
const seq = arg('seq', 12);
const batch = 32;
const lr = arg('lr', 0.01);
const seed = arg('seed', 1);
const timeBudget = arg('time', Infinity);
const sampleEvery = Math.max(1, Math.round(steps / 5));

// '.' separates names (and ends a sampled one); the alphabet is '.' + a–z.
const names = readFileSync(new URL('./names.txt', import.meta.url), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const alphabet = ['.', ...'abcdefghijklmnopqrstuvwxyz'];
const V = alphabet.length;
const index = new Map(alphabet.map((c, i) => [c, i]));
const stream = Int32Array.from(`.${names.join('.')}.`, (c) => index.get(c) ?? 0);

const rng = new Rng(seed);
const lstm = new nn.LSTM(V, hidden, { rng });
const head = new nn.Linear(hidden, V, { rng });
// Per-step logits [seq, batch, V] → [seq·batch, V] rows for the loss.
const model = new nn.Sequential(lstm, head, new nn.Flatten(0, 1));

/** Random windows of the name stream: one-hot inputs [seq, batch, V], next-character labels [seq·batch]. */
function* windows(): Generator<train.Batch<Int32Array>> {
  for (;;) {
    const x = new Float32Array(seq * batch * V);
    const y = new Int32Array(seq * batch);
    for (let b = 0; b < batch; b++) {
      const start = Math.floor(rng.nextFloat24() * (stream.length - seq - 1));
      for (let t = 0; t < seq; t++) {
        x[(t * batch + b) * V + stream[start + t]] = 1;
        y[t * batch + b] = stream[start + t + 1];
      }
    }
    yield { input: nn.tensor(x, [seq, batch, V]), target: y };
  }
}

/** Samples one name: feed '.', then each drawn character, carrying the LSTM state; stop at '.'. */
function sampleName(temperature = 0.8, maxLen = 14): string {
  let h0: nn.Tensor | null = null;
  let c0: nn.Tensor | null = null;
  let ch = 0;
  let out = '';
  const x = new Float32Array(V);
  for (let i = 0; i < maxLen; i++) {
    x.fill(0);
    x[ch] = 1;
    const hs = lstm.forward(nn.tensor(x, [1, 1, V]), { h0, c0 });
    // Copies: the module reuses its hN/cN buffers, and an initial state may not alias them.
    h0 = nn.tensor(lstm.hN.data.slice(), [1, 1, hidden]);
    c0 = nn.tensor(lstm.cN.data.slice(), [1, 1, hidden]);
    const logits = head.forward(hs).data;
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const p = Array.from(logits, (v) => Math.exp((v - max) / temperature));
    let r = rng.nextFloat24() * p.reduce((a, b) => a + b, 0);
    ch = 0;
    while (ch < V - 1 && (r -= p[ch]) > 0) ch++;
    if (ch === 0) break;
    out += alphabet[ch];
  }
  return out;
}

const samples = (n: number): string[] => Array.from({ length: n }, () => sampleName());

const info = backendInfo();
console.log(`gradguard backend: ${info.backend} (${info.isa}, ${info.threads} threads)`);
console.log(`${names.length} names, alphabet of ${V}; LSTM ${V}→${hidden}, windows of ${seq}, batch ${batch}, Adam lr ${lr}, clip 1.0, ${steps} steps`);
console.log(`untrained samples: ${samples(6).join(', ')}`);
console.log(`uniform guessing: loss ln(${V}) = ${Math.log(V).toFixed(3)}`);

let firstLoss = NaN;
let recent: number[] = [];
let trainSeconds = 0;
const trainer = new Trainer<Int32Array>({
  model,
  loss: new nn.CrossEntropyLoss(),
  optimizer: (params) => new Adam(params, { lr }),
  clip: { maxNorm: 1 },
  progress: 'lines',
  logEvery: sampleEvery,
  stream: process.stdout,
  onStep: (s) => {
    if (s.step === 1) firstLoss = s.loss;
    recent = [...recent.slice(-49), s.loss];
    if (s.step % sampleEvery === 0) console.log(`  samples: ${samples(8).join(', ')}`);
  },
  shouldStop: (s) => (trainSeconds += s.time) >= timeBudget,
});
const result = await trainer.fit(windows(), { maxSteps: steps });
const finalLoss = recent.reduce((a, b) => a + b, 0) / recent.length;
const final = samples(20);
const known = new Set(names);
console.log(`loss ${firstLoss.toFixed(3)} → ${finalLoss.toFixed(3)} (mean of the last ${recent.length} steps) in ${result.steps} steps, ${result.time.toFixed(1)} s`);
console.log(`20 samples (${final.filter((s) => !known.has(s)).length} not in the training list): ${final.join(', ')}`);
if (result.interrupted) console.log('interrupted');
