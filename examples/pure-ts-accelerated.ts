// npm run example:accelerate — a user's own pure-TS model (plain Float32Arrays and loops), then the
// same model with its hot loops swapped for gradguard calls, trained side by side from the same
// initial weights on the same batches. Prints the losses of both (they agree to float32 rounding)
// and the time per step and speed-up. Flags: --steps N (default 60), --threads N.
import { backendInfo, clipGradNorm, createParamStore, ops, setNumThreads, SGD, type ParamStore } from '../lib/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const steps = arg('steps', 60);
if (process.argv.includes('--threads')) setNumThreads(arg('threads', 1));

// A 2-layer MLP classifier: 256 → 512 → ReLU → 10, batch 128, softmax cross-entropy, SGD with
// momentum and gradient clipping at norm 1.
const BATCH = 128, IN = 256, HID = 512, OUT = 10, LR = 0.05, MOMENTUM = 0.9, MAX_NORM = 1;
const shapes = [[HID, IN], [HID], [OUT, HID], [OUT]];

let seed = 2024;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

// Synthetic data: 10 Gaussian clusters in 256 dimensions.
const centres = Array.from({ length: OUT }, () => Float32Array.from({ length: IN }, gauss));
function makeBatch(): { x: Float32Array; labels: Int32Array } {
  const x = new Float32Array(BATCH * IN), labels = new Int32Array(BATCH);
  for (let b = 0; b < BATCH; b++) {
    const c = Math.floor(rand() * OUT);
    labels[b] = c;
    for (let j = 0; j < IN; j++) x[b * IN + j] = centres[c][j] + 2 * gauss();
  }
  return { x, labels };
}
const batches = Array.from({ length: steps }, makeBatch);

function initParams(store: ParamStore): void {
  const [w1, , w2] = store.params.views;
  const s1 = 1 / Math.sqrt(IN), s2 = 1 / Math.sqrt(HID);
  for (let i = 0; i < w1.length; i++) w1[i] = (2 * rand() - 1) * s1;
  for (let i = 0; i < w2.length; i++) w2[i] = (2 * rand() - 1) * s2;
}

// ---- the user's own code -------------------------------------------------------------------------

/** y[b, o] = Σ_i x[b, i]·w[o, i] + bias[o] */
function linear(x: Float32Array, w: Float32Array, bias: Float32Array, y: Float32Array, n: number, inF: number, outF: number): void {
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < outF; o++) {
      let s = bias[o];
      for (let i = 0; i < inF; i++) s += x[b * inF + i] * w[o * inF + i];
      y[b * outF + o] = s;
    }
  }
}

/** gx = gy·w, gw += gyᵀ·x, gb += Σ_b gy */
function linearBack(x: Float32Array, w: Float32Array, gy: Float32Array, gx: Float32Array | null, gw: Float32Array, gb: Float32Array, n: number, inF: number, outF: number): void {
  if (gx) gx.fill(0);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < outF; o++) {
      const g = gy[b * outF + o];
      gb[o] += g;
      for (let i = 0; i < inF; i++) {
        gw[o * inF + i] += g * x[b * inF + i];
        if (gx) gx[b * inF + i] += g * w[o * inF + i];
      }
    }
  }
}

function softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, grad: Float32Array): number {
  let loss = 0;
  for (let b = 0; b < BATCH; b++) {
    const row = logits.subarray(b * OUT, b * OUT + OUT), g = grad.subarray(b * OUT, b * OUT + OUT);
    const max = Math.max(...row);
    let sum = 0;
    for (let k = 0; k < OUT; k++) sum += Math.exp(row[k] - max);
    loss += Math.log(sum) + max - row[labels[b]];
    for (let k = 0; k < OUT; k++) g[k] = (Math.exp(row[k] - max) / sum - (k === labels[b] ? 1 : 0)) / BATCH;
  }
  return loss / BATCH;
}

function trainPlain(store: ParamStore): { losses: number[]; ms: number } {
  const [w1, b1, w2, b2] = store.params.views;
  const [gw1, gb1, gw2, gb2] = store.grads.views;
  const velocity = store.grads.views.map((v) => new Float32Array(v.length));
  const h = new Float32Array(BATCH * HID), logits = new Float32Array(BATCH * OUT);
  const gLogits = new Float32Array(BATCH * OUT), gh = new Float32Array(BATCH * HID);
  const losses: number[] = [];
  const t0 = performance.now();
  for (const { x, labels } of batches) {
    linear(x, w1, b1, h, BATCH, IN, HID);
    for (let i = 0; i < h.length; i++) h[i] = Math.max(0, h[i]);
    linear(h, w2, b2, logits, BATCH, HID, OUT);
    losses.push(softmaxCrossEntropy(logits, labels, gLogits));
    for (const g of store.grads.views) g.fill(0);
    linearBack(h, w2, gLogits, gh, gw2, gb2, BATCH, HID, OUT);
    for (let i = 0; i < gh.length; i++) if (h[i] <= 0) gh[i] = 0;
    linearBack(x, w1, gh, null, gw1, gb1, BATCH, IN, HID);
    let sq = 0;
    for (const g of store.grads.views) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const coef = Math.min(1, MAX_NORM / (Math.sqrt(sq) + 1e-6));
    store.params.views.forEach((p, t) => {
      const g = store.grads.views[t], v = velocity[t];
      for (let i = 0; i < p.length; i++) {
        v[i] = MOMENTUM * v[i] + g[i] * coef;
        p[i] -= LR * v[i];
      }
    });
  }
  return { losses, ms: performance.now() - t0 };
}

// ---- the same model with gradguard calls swapped in ---------------------------------------------

function trainAccelerated(store: ParamStore): { losses: number[]; ms: number } {
  const [w1, b1, w2, b2] = store.params.views;
  const [gw1, gb1, gw2, gb2] = store.grads.views;
  const sgd = new SGD(store, { lr: LR, momentum: MOMENTUM });
  const h = new Float32Array(BATCH * HID), logits = new Float32Array(BATCH * OUT);
  const gLogits = new Float32Array(BATCH * OUT), gh = new Float32Array(BATCH * HID);
  const l1 = { batch: BATCH, inFeatures: IN, outFeatures: HID }, l2 = { batch: BATCH, inFeatures: HID, outFeatures: OUT };
  const losses: number[] = [];
  const t0 = performance.now();
  for (const { x, labels } of batches) {
    ops.linearForward(x, w1, b1, h, l1);
    ops.relu(h, h);
    ops.linearForward(h, w2, b2, logits, l2);
    losses.push(ops.crossEntropyLoss(logits, labels, gLogits));
    ops.linearBackward(h, w2, gLogits, { gradX: gh, gradWeight: gw2, gradBias: gb2 }, l2);
    ops.reluBackward(h, gh, gh); // relu'(pre) = relu'(post) for ReLU
    ops.linearBackward(x, w1, gh, { gradWeight: gw1, gradBias: gb1 }, l1);
    clipGradNorm(store.grads, MAX_NORM); // one fused pass over all four gradients
    sgd.step();
  }
  return { losses, ms: performance.now() - t0 };
}

// ---- run both ------------------------------------------------------------------------------------

const plainStore = createParamStore(shapes);
initParams(plainStore);
const fastStore = createParamStore(shapes);
fastStore.params.base.set(plainStore.params.base);

const info = backendInfo();
console.log(`gradguard backend: ${info.backend} (${info.isa}, ${info.threads} thread(s))`);
console.log(`MLP ${IN}→${HID}→${OUT}, batch ${BATCH}, ${steps} steps of SGD (momentum ${MOMENTUM}) with clipping at norm ${MAX_NORM}\n`);
const plain = trainPlain(plainStore);
const fast = trainAccelerated(fastStore);

const show = (i: number) => console.log(`  step ${String(i + 1).padStart(4)}   ${plain.losses[i].toFixed(5)}   ${fast.losses[i].toFixed(5)}`);
console.log('  loss        plain TS   gradguard');
for (let i = 0; i < steps; i += Math.max(1, Math.floor(steps / 6))) show(i);
show(steps - 1);
let maxDiff = 0;
for (let i = 0; i < plainStore.params.base.length; i++) maxDiff = Math.max(maxDiff, Math.abs(plainStore.params.base[i] - fastStore.params.base[i]));
console.log(`\n  max |Δweight| after ${steps} steps: ${maxDiff.toExponential(2)} (float32 rounding order differs)`);
console.log(`  plain TS:  ${(plain.ms / steps).toFixed(2)} ms/step`);
console.log(`  gradguard: ${(fast.ms / steps).toFixed(2)} ms/step   → ${(plain.ms / fast.ms).toFixed(1)}× faster`);
if (!(maxDiff < 1e-3)) {
  console.error('the two models diverged: this is a bug, please report it');
  process.exit(1);
}
