// The GradientMonitor's cost per recorded step, against the one gradStats pass it is built on: the
// monitor must stay one pass over the gradients plus per-layer bookkeeping (issue 17). Two gradient
// sets: the demo's RNN (6 tensors, 4.5 k elements: the detectors' share shows) and W1 (100 tensors,
// 25 M elements: the pass dominates); recording with the default detectors, with a JSONL step line
// per step (to /dev/null), and every 10th step only (the amortised cost per training step).
// Run: npx tsx bench/monitor.bench.ts [--quick]   (part of npm run bench)
import { cpus } from 'node:os';
import { backendInfo, createParamStore, GradientMonitor, gradStats } from '../lib/index.js';
import { loadWorkloads } from './cases.js';
import { measure } from './harness.js';

const quick = process.argv.includes('--quick');
const opts = { maxTime: quick ? 0.3 : 1.5, minSamples: 5 };

function store(shapes: number[][]) {
  const s = createParamStore(shapes);
  let seed = 1;
  for (const g of s.grads.views) for (let i = 0; i < g.length; i++) g[i] = ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.01;
  return s;
}

const H = 64;
const sets: [string, number[][]][] = [
  ['demo RNN (6 tensors, 4.5 k)', [[H, 2], [H, H], [H], [H], [1, H], [1]]],
  ['W1 (100 tensors, 25 M)', loadWorkloads()[0].shapes],
];
console.log(`\nGradientMonitor.record vs one gradStats pass — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${backendInfo().backend}/${backendInfo().isa}, ${backendInfo().threads} thread(s)`);
console.log('| gradients | gradStats µs | record µs | record + JSONL µs | every 10th step, per step µs | record − gradStats µs |\n|---|---|---|---|---|---|');
for (const [name, shapes] of sets) {
  const s = store(shapes);
  const pass = measure(`${name} gradStats`, () => void gradStats(s.grads), opts);
  let step = 0;
  const mon = new GradientMonitor(s, { historySize: 1000 });
  const rec = measure(`${name} record`, () => void mon.record(++step, 0.5), opts);
  let step2 = 0;
  const monJ = new GradientMonitor(s, { historySize: 1000, jsonl: '/dev/null' });
  const recJ = measure(`${name} record+jsonl`, () => void monJ.record(++step2, 0.5), opts);
  monJ.close();
  let step3 = 0;
  const mon10 = new GradientMonitor(s, { historySize: 1000 });
  // A loop that records every 10th step: 9 steps cost nothing, the 10th one record.
  const every10 = measure(`${name} every 10th`, () => {
    for (let k = 0; k < 10; k++) if (++step3 % 10 === 0) mon10.record(step3, 0.5);
  }, opts);
  const us = (t: number) => (t * 1e6).toFixed(1);
  console.log(`| ${name} | ${us(pass.median)} | ${us(rec.median)} | ${us(recJ.median)} | ${us(every10.median / 10)} | ${us(rec.median - pass.median)} |`);
}
