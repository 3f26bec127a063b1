// The character-level examples in the monitor evaluation, both healthy: the Transformer
// (examples/transformer: its CharTransformer with the example's defaults, AdamW, warm-up + cosine,
// clipping at 1.0, a GradientMonitor on the model as the example makes it) and the char-LSTM
// (examples/char-lstm: LSTM → Linear, Adam lr 0.01, clipping at 1 through a Trainer). Both train on
// the example's names.txt. The examples are scripts (training at import), so their loops are
// restated here with their settings; the Transformer's model is the example's own class.
import { readFileSync } from 'node:fs';
import { CharTransformer } from '../../examples/transformer/model.js';
import { Adam, AdamW, clipGradNorm, GradientMonitor, nn, Rng, Trainer, WarmupCosineLR } from '../../lib/index.js';

const NAMES = new URL('../../examples/char-lstm/names.txt', import.meta.url);
/** '.' separates names; the alphabet is '.' + a–z, as in both examples. */
const ALPHABET = ['.', ...'abcdefghijklmnopqrstuvwxyz'];
const V = ALPHABET.length;
const SEQ = 12;
const BATCH = 32;

function nameStream(): Int32Array {
  const names = readFileSync(NAMES, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const index = new Map(ALPHABET.map((c, i) => [c, i]));
  return Int32Array.from(`.${names.join('.')}.`, (c) => index.get(c) ?? 0);
}

/** Random windows of the name stream, as the examples draw them: tokens [SEQ, BATCH] and the next characters. */
function windows(rng: Rng): { tokens: Int32Array; labels: Int32Array; next(): void } {
  const stream = nameStream();
  const tokens = new Int32Array(SEQ * BATCH);
  const labels = new Int32Array(SEQ * BATCH);
  return {
    tokens,
    labels,
    next() {
      for (let b = 0; b < BATCH; b++) {
        const start = Math.floor(rng.nextFloat24() * (stream.length - SEQ - 1));
        for (let t = 0; t < SEQ; t++) {
          tokens[t * BATCH + b] = stream[start + t];
          labels[t * BATCH + b] = stream[start + t + 1];
        }
      }
    },
  };
}

/**
 * The Transformer example's training (its defaults: 2 layers, d 64, 4 heads, ff 256, AdamW lr 3e-3
 * weight decay 0.01, 100 warm-up steps then cosine, clipGradNorm 1.0, seed 1).
 * @param steps training steps (the example's default is 1,500).
 * @param seed the example's --seed (default 1).
 * @param layers the example's --layers (default 2).
 */
export function transformerRun(steps: number, seed = 1, layers = 2): GradientMonitor {
  const rng = new Rng(seed);
  const model = new CharTransformer({ vocab: V, context: SEQ, dModel: 64, heads: 4, layers, dimFeedforward: 256, dropout: 0, rng });
  const store = model.paramStore();
  const optimizer = new AdamW(store, { lr: 3e-3, weightDecay: 0.01 });
  const scheduler = new WarmupCosineLR(optimizer, { warmupSteps: 100, totalSteps: Math.max(steps, 100) });
  // As the example makes it: the model only, no run context (it does not tell the monitor it clips).
  const mon = new GradientMonitor(model, { maxEvents: 100_000 });
  const loss = new nn.CrossEntropyLoss();
  const data = windows(rng);
  for (let step = 1; step <= steps; step++) {
    data.next();
    model.zeroGrad();
    const value = loss.forward(model.forward({ data: data.tokens, shape: [SEQ, BATCH] }), data.labels);
    model.backward(loss.backward());
    mon.record(step, value);
    clipGradNorm(store.grads, 1.0);
    optimizer.step();
    scheduler.step();
  }
  return mon;
}

/**
 * The char-LSTM example's training (hidden 64, Adam lr 0.01, clipping at 1 by its Trainer, seed 1;
 * one-hot characters [SEQ, BATCH, 27] → LSTM → Linear → rows [SEQ·BATCH, 27]).
 * @param steps training steps (the example's default is 1,500).
 */
export function charLstmRun(steps: number): GradientMonitor {
  const rng = new Rng(1);
  const model = new nn.Sequential(new nn.LSTM(V, 64, { rng }), new nn.Linear(64, V, { rng }), new nn.Flatten(0, 1));
  const mon = new GradientMonitor(model, { maxEvents: 100_000 });
  const trainer = new Trainer<Int32Array>({ model, loss: new nn.CrossEntropyLoss(), optimizer: (p) => new Adam(p, { lr: 0.01 }), clip: { maxNorm: 1 }, silent: true, handleSigint: false, monitor: mon });
  const data = windows(rng);
  const x = new Float32Array(SEQ * BATCH * V);
  for (let step = 1; step <= steps; step++) {
    data.next();
    x.fill(0);
    for (let k = 0; k < SEQ * BATCH; k++) x[k * V + data.tokens[k]] = 1;
    trainer.step({ input: nn.tensor(x, [SEQ, BATCH, V]), target: data.labels });
  }
  return mon;
}
