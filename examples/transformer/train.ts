// A character-level Transformer (decoder-only, causal self-attention) trained on the first names of
// examples/char-lstm/names.txt, sampling new names as it learns: Embedding + positions → pre-norm
// TransformerEncoderLayers → LayerNorm → Linear, CrossEntropyLoss over [L·batch, vocab] logits, AdamW
// with linear warm-up then cosine decay (WarmupCosineLR), clipGradNorm at 1.0 and a GradientMonitor.
// With --compare it then runs the char-LSTM example for the same training time and compares losses.
// Run: npm run example:transformer [-- --steps 1500 --time S --layers 2 --dmodel 64 --heads 4 --ff 256
//   --seq 12 --batch 32 --lr 0.003 --warmup 100 --dropout 0 --seed 1 --backend js|native --threads N --compare]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AdamW, backendInfo, clipGradNorm, GradientMonitor, nn, Rng, setNumThreads, useBackend, WarmupCosineLR } from '../../lib/index.js';
import { CharTransformer } from './model.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
if (flag('backend')) useBackend(flag('backend') as 'js' | 'native');
if (flag('threads')) setNumThreads(arg('threads', 1));
const timeBudget = arg('time', Infinity); // seconds of training steps; --steps stays an upper bound
const steps = arg('steps', Number.isFinite(timeBudget) ? 1_000_000 : 1500);
const seq = arg('seq', 12);
const batch = arg('batch', 32);
const lr = arg('lr', 3e-3);
const warmup = arg('warmup', 100);
const seed = arg('seed', 1);
const sampleEvery = Number.isFinite(timeBudget) ? Infinity : Math.max(1, Math.round(steps / 5));

// '.' separates names (and ends a sampled one); the alphabet is '.' + a–z, as in the char-LSTM.
const names = readFileSync(new URL('../char-lstm/names.txt', import.meta.url), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const alphabet = ['.', ...'abcdefghijklmnopqrstuvwxyz'];
const V = alphabet.length;
const index = new Map(alphabet.map((c, i) => [c, i]));
const stream = Int32Array.from(`.${names.join('.')}.`, (c) => index.get(c) ?? 0);

const rng = new Rng(seed);
const model = new CharTransformer({
  vocab: V,
  context: seq,
  dModel: arg('dmodel', 64),
  heads: arg('heads', 4),
  layers: arg('layers', 2),
  dimFeedforward: arg('ff', 256),
  dropout: arg('dropout', 0),
  rng,
});
const store = model.paramStore();
const optimizer = new AdamW(store, { lr, weightDecay: 0.01 });
let scheduler = new WarmupCosineLR(optimizer, { warmupSteps: warmup, totalSteps: Math.max(steps, warmup) });
const monitor = new GradientMonitor(model);
monitor.on('explode', (e) => console.log(`  monitor: ${e.message}`));
const loss = new nn.CrossEntropyLoss();

// Random windows of the name stream: tokens [seq, batch] and next-character labels [seq·batch].
const tokens = new Int32Array(seq * batch);
const labels = new Int32Array(seq * batch);
function nextBatch(): void {
  for (let b = 0; b < batch; b++) {
    const start = Math.floor(rng.nextFloat24() * (stream.length - seq - 1));
    for (let t = 0; t < seq; t++) {
      tokens[t * batch + b] = stream[start + t];
      labels[t * batch + b] = stream[start + t + 1];
    }
  }
}

/** Samples one name: start from '.', feed the last `seq` characters, draw the next; stop at '.'. */
function sampleName(temperature = 0.8, maxLen = 14): string {
  const ctx = [0];
  let out = '';
  for (let i = 0; i < maxLen; i++) {
    const window = Int32Array.from(ctx.slice(-seq));
    const logits = model.forward({ data: window, shape: [window.length, 1] }).data.subarray((window.length - 1) * V);
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const p = Array.from(logits, (v) => Math.exp((v - max) / temperature));
    let r = rng.nextFloat24() * p.reduce((a, b) => a + b, 0);
    let ch = 0;
    while (ch < V - 1 && (r -= p[ch]) > 0) ch++;
    if (ch === 0) break;
    ctx.push(ch);
    out += alphabet[ch];
  }
  return out;
}
function samples(n: number): string[] {
  model.eval();
  const s = Array.from({ length: n }, () => sampleName());
  model.train();
  return s;
}

const info = backendInfo();
const c = model.config;
console.log(`gradguard backend: ${info.backend} (${info.isa}, ${info.threads} threads)`);
console.log(
  `${names.length} names, alphabet of ${V}; Transformer ${c.layers} layers × (d ${c.dModel}, ${c.heads} heads, ff ${c.dimFeedforward}), ` +
    `${model.numParameters()} parameters, causal windows of ${seq}, batch ${batch}, AdamW lr ${lr} (warm-up ${warmup}, cosine), clip 1.0, ` +
    (Number.isFinite(timeBudget) ? `${timeBudget} s of training` : `${steps} steps`),
);
console.log(`untrained samples: ${samples(6).join(', ')}`);
console.log(`uniform guessing: loss ln(${V}) = ${Math.log(V).toFixed(3)}`);

let firstLoss = NaN;
let recent: number[] = [];
let trainSeconds = 0;
let step = 0;
let [stepAt, secondsAt] = [0, 0];
const logEvery = Number.isFinite(sampleEvery) ? sampleEvery : 100;
while (step < steps && trainSeconds < timeBudget) {
  const t0 = performance.now();
  step++;
  nextBatch();
  model.zeroGrad();
  const value = loss.forward(model.forward({ data: tokens, shape: [seq, batch] }), labels);
  model.backward(loss.backward());
  monitor.record(step, value);
  const norm = clipGradNorm(store.grads, 1.0);
  const usedLr = optimizer.lr;
  optimizer.step();
  scheduler.step();
  trainSeconds += (performance.now() - t0) / 1e3;
  if (step === 1) firstLoss = value;
  recent = [...recent.slice(-49), value];
  // Under a time budget the number of steps is unknown until the speed is: every 25 steps, size the
  // cosine so it ends with the budget at the speed of the last 25 (the first steps are slower: JIT,
  // first-touch allocation). The schedule restarts from the same step, so the warm-up is unaffected.
  if (Number.isFinite(timeBudget) && step % 25 === 0) {
    const perStep = (trainSeconds - secondsAt) / (step - stepAt);
    const total = Math.max(warmup + 1, step + 1, Math.floor(step + (timeBudget - trainSeconds) / perStep));
    optimizer.lr = lr;
    scheduler = new WarmupCosineLR(optimizer, { warmupSteps: warmup, totalSteps: total });
    scheduler.loadState({ lastEpoch: step });
    [stepAt, secondsAt] = [step, trainSeconds];
  }
  if (step % logEvery === 0) console.log(`step ${step} | loss ${value.toFixed(4)} | grad norm ${norm.toFixed(3)} | lr ${usedLr.toExponential(2)} | ${trainSeconds.toFixed(1)} s`);
  if (step % sampleEvery === 0) console.log(`  samples: ${samples(8).join(', ')}`);
}
const finalLoss = recent.reduce((a, b) => a + b, 0) / recent.length;
const final = samples(20);
const known = new Set(names);
const summary = monitor.summary();
console.log(`loss ${firstLoss.toFixed(3)} → ${finalLoss.toFixed(3)} (mean of the last ${recent.length} steps) in ${step} steps, ${trainSeconds.toFixed(1)} s`);
console.log(`monitor: median grad norm ${summary.medianTotalNorm?.toFixed(3)}, max ${summary.maxTotalNorm?.toFixed(3)}, events ${JSON.stringify(summary.eventCounts)}`);
console.log(`20 samples (${final.filter((s) => !known.has(s)).length} not in the training list): ${final.join(', ')}`);

if (process.argv.includes('--compare')) {
  // The char-LSTM example for the same seconds of training, same backend and threads, one after the
  // other so the two never share the CPU.
  const lstmArgs = ['--import', 'tsx', fileURLToPath(new URL('../char-lstm/train.ts', import.meta.url)), '--time', String(trainSeconds), '--steps', '1000000', '--seq', String(seq), '--seed', String(seed), '--backend', info.backend, '--threads', String(info.threads)];
  const out = execFileSync(process.execPath, lstmArgs, { encoding: 'utf8', env: { ...process.env, GRADGUARD_QUIET: '1' } });
  const m = /loss (\S+) → (\S+) \(mean of the last \d+ steps\) in (\d+) steps, (\S+) s/.exec(out);
  if (!m) throw new Error(`could not read the char-LSTM's result:\n${out}`);
  console.log(`equal time (${trainSeconds.toFixed(1)} s of training each, windows of ${seq}, batch ${batch}/32):`);
  console.log(`  Transformer: loss ${finalLoss.toFixed(3)} after ${step} steps`);
  console.log(`  char-LSTM:   loss ${Number(m[2]).toFixed(3)} after ${m[3]} steps`);
}
