// Run by test/dist/mpi.test.ts as `mpirun -np N node --import tsx test/dist/correctness.ts`:
// all-reduce and broadcast results, the global norm against one process, and data-parallel training
// against one process on the whole batch. Prints "PASS <section> rank R" per section.
import { createParamStore, dist, getTotalNorm, Rng, SGD, clipGradNormAndStep, type ParamStore } from '../../lib/index.js';
import { arraysClose, arraysEqual, check, close } from './check.js';

const { rank, size } = dist.init({ chunkElements: 1000, timeoutMs: 60_000 });
const pass = (what: string): void => console.log(`PASS ${what} rank ${rank}`);

/** Every rank's copy of `x`, in rank order (to check results are identical everywhere). */
function gatherAll(x: Float32Array): Float32Array[] {
  const all = new Float32Array(x.length * size);
  all.set(x, rank * x.length);
  dist.allReduce(all, 'sum'); // each rank fills only its own slot, so the sum is a gather
  return Array.from({ length: size }, (_, r) => all.subarray(r * x.length, (r + 1) * x.length));
}

/**
 * True when `x` has the same bits on every rank. The bytes travel as 16-bit integers in float32
 * (exact: each slot of the gathering sum holds one rank's value, the rest are 0), so NaN payloads,
 * -0 and 1-ulp differences all count, unlike comparing the values themselves.
 */
function sameBitsEverywhere(x: ArrayBufferView): boolean {
  const halves = new Uint16Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
  const copies = gatherAll(Float32Array.from(halves));
  return copies.every((c) => c.every((v, i) => v === copies[0][i]));
}

function collectives(): void {
  // Integer-valued data: sums are exact, so results can be compared exactly.
  const n = 10_007; // > chunkElements: several MPI calls
  const a = Float32Array.from({ length: n }, (_, i) => (i % 17) + rank);
  dist.allReduce(a, 'sum');
  const rankSum = (size * (size - 1)) / 2;
  for (let i = 0; i < n; i++) check(a[i] === size * (i % 17) + rankSum, `sum[${i}] = ${a[i]}`);

  const m = Float32Array.from({ length: n }, (_, i) => (i % 5) * size + rank);
  dist.allReduce(m, 'mean');
  for (let i = 0; i < n; i++) check(m[i] === (i % 5) * size + (size - 1) / 2, `mean[${i}] = ${m[i]}`);

  const x = Float32Array.from({ length: 33 }, (_, i) => (i % size === rank ? 100 + i : -i));
  dist.allReduce(x, 'max');
  for (let i = 0; i < 33; i++) check(x[i] === 100 + i, `max[${i}] = ${x[i]}`); // the owning rank's 100 + i beats everyone's -i

  // A list of separate arrays (packed into one call) and a FlatTensors (one contiguous call).
  const list = [new Float32Array([1, 2, 3]).map((v) => v * (rank + 1)), new Float32Array(0), new Float32Array([10]).map((v) => v + rank)];
  dist.allReduce(list, 'sum');
  const k = (size * (size + 1)) / 2;
  arraysEqual(list[0], [k, 2 * k, 3 * k], 'list[0]');
  arraysEqual(list[2], [10 * size + rankSum], 'list[2]');
  const store = createParamStore([[3, 5], [7]]);
  store.grads.views[0].fill(rank + 1);
  store.grads.views[1].fill(2 * (rank + 1));
  dist.allReduce(store.grads, 'mean');
  check(store.grads.views[0].every((v) => v === (size + 1) / 2), 'flat mean view 0');
  check(store.grads.views[1].every((v) => v === size + 1), 'flat mean view 1');
  pass('allReduce');

  // max with a NaN: NaN on every rank, whichever rank holds it (MPI_MAX keeps it only on the last).
  const nan = Float32Array.from({ length: size + 3 }, (_, i) => (i === rank ? NaN : i - rank));
  nan[size] = rank === 0 ? -0 : 0; // +0 and -0 in either operand order: +0, the same bits everywhere
  nan[size + 1] = rank === 0 ? 0 : -0;
  nan[size + 2] = -0;
  dist.allReduce(nan, 'max');
  for (let i = 0; i < size; i++) check(Number.isNaN(nan[i]), `max with NaN on rank ${i}: ${nan[i]} on rank ${rank}`);
  if (size > 1) {
    check(Object.is(nan[size], 0) && Object.is(nan[size + 1], 0), `max(+0, -0) = +0: ${nan[size]}, ${nan[size + 1]}`);
  }
  check(Object.is(nan[size + 2], -0), `max(-0, -0) = -0: ${nan[size + 2]}`);
  check(sameBitsEverywhere(nan), 'max results (NaNs included) bit-identical on every rank');
  pass('maxNaN');

  // Non-integer data: every rank must still end with bit-identical results.
  const rng = new Rng(1000 + rank);
  const f = Float32Array.from({ length: 4099 }, () => rng.nextDouble() * 2 - 1);
  dist.allReduce(f, 'mean');
  const copies = gatherAll(f);
  for (let r = 1; r < size; r++) arraysEqual(copies[r], copies[0], `mean identical on rank ${r}`);
  pass('identical');

  const root = size - 1;
  const b = Float32Array.from({ length: 2500 }, (_, i) => (rank === root ? i * 0.5 : -1));
  const bl = [new Float32Array(4).fill(rank), new Float32Array(2).fill(rank * 2)];
  dist.broadcast(b, root);
  dist.broadcast(bl, root);
  for (let i = 0; i < b.length; i++) check(b[i] === i * 0.5, `broadcast[${i}] = ${b[i]}`);
  arraysEqual(bl[0], [root, root, root, root], 'broadcast list[0]');
  arraysEqual(bl[1], [2 * root, 2 * root], 'broadcast list[1]');
  pass('broadcast');
}

async function asyncCollectives(): Promise<void> {
  const a = new Float32Array(5000).fill(rank + 1);
  const b = [new Float32Array(3).fill(1), new Float32Array(2).fill(2)];
  const p1 = dist.allReduceAsync(a, 'sum');
  const p2 = dist.allReduceAsync(b, 'max');
  // The main thread is free meanwhile, but sync collectives must wait for the async ones.
  let busy = '';
  try {
    dist.barrier();
  } catch (err) {
    busy = (err as { code?: string }).code ?? '';
  }
  check(busy === 'ERR_GRADGUARD_DIST_BUSY', `barrier during allReduceAsync: ${busy}`);
  await Promise.all([p1, p2]);
  check(a.every((v) => v === (size * (size + 1)) / 2), 'async sum');
  arraysEqual(b[0], [1, 1, 1], 'async max list[0]');
  dist.barrier(); // allowed again

  // Overlap: rank 0 starts an all-reduce that the others join only 200 ms later; meanwhile its main
  // thread keeps running (turns of the event loop counted), so the wait happens off that thread.
  const c = new Float32Array(1000).fill(1);
  if (rank !== 0) await new Promise((r) => setTimeout(r, 200));
  let turns = 0;
  let settled = false;
  const p3 = dist.allReduceAsync(c, 'sum').then(() => (settled = true));
  while (!settled) {
    turns++;
    await new Promise((r) => setImmediate(r));
  }
  await p3;
  check(c.every((v) => v === size), 'overlapped async sum');
  if (rank === 0 && size > 1) check(turns > 10, `main thread ran while the all-reduce waited (${turns} turns)`);
  pass('allReduceAsync');
}

/** Every rank draws the same global gradient list; each holds a contiguous part of it. */
function globalGrads(seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return [37, 1, 500, 0, 129, 64].map((n, t) => Float32Array.from({ length: n }, () => (rng.nextDouble() * 2 - 1) * (t + 1)));
}

function norms(): void {
  const all = globalGrads(7);
  const mine = all.filter((_, i) => i % size === rank); // round-robin shards
  for (const p of [1, 2, 3, Infinity]) {
    const total = dist.getTotalNorm(mine, p);
    close(total, getTotalNorm(all, p), 1e-12, `global ${p}-norm vs one process`);
    check(sameBitsEverywhere(new Float64Array([total])), `${p}-norm bits identical on every rank: ${total}`);
  }
  // The bit check can fail: one ulp apart on one rank is a difference.
  if (size > 1) check(!sameBitsEverywhere(new Float64Array([rank === size - 1 ? 1 + Number.EPSILON : 1])), 'a 1-ulp difference is seen');
  // Replicated tensors are counted once, however many ranks hold them.
  const rep = globalGrads(8);
  close(dist.getTotalNorm({ replicated: rep }), getTotalNorm(rep), 1e-12, 'replicated counted once');
  close(dist.getTotalNorm({ sharded: mine, replicated: rep }), getTotalNorm([...all, ...rep]), 1e-12, 'sharded + replicated');

  // clipGradNorm: every rank scales its part by the same global coefficient.
  const unclipped = getTotalNorm(all); // before: `mine` holds some of the same arrays as `all`
  const total = dist.clipGradNorm(mine, 1);
  close(total, unclipped, 1e-12, 'clipGradNorm returns the global norm');
  close(dist.getTotalNorm(mine), 1, 1e-5, 'clipped global norm');

  // NaN on one rank: NaN on every rank.
  const g = [new Float32Array([1, 2, 3])];
  if (rank === size - 1) g[0][1] = NaN;
  check(Number.isNaN(dist.getTotalNorm(g)), 'NaN on one rank gives NaN everywhere');
  check(Number.isNaN(dist.getTotalNorm(g, Infinity)), 'NaN inf-norm everywhere');
  let threw = '';
  try {
    dist.clipGradNorm(g, 1, { errorIfNonfinite: true });
  } catch (err) {
    threw = (err as { code?: string }).code ?? '';
  }
  check(threw === 'ERR_GRADGUARD_NONFINITE', `errorIfNonfinite on every rank: ${threw}`);
  pass('norm');
}

// Linear regression y = W x + b on a batch, MSE over all outputs; gradients by hand in float64.
const IN = 6;
const OUT = 3;
function gradients(store: ParamStore, xs: Float64Array[], ts: Float64Array[]): void {
  const [w, b] = store.params.views;
  const [gw, gb] = store.grads.views;
  store.grads.zero();
  const n = xs.length;
  const gW = new Float64Array(OUT * IN);
  const gB = new Float64Array(OUT);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < OUT; o++) {
      let y = b[o];
      for (let i = 0; i < IN; i++) y += w[o * IN + i] * xs[s][i];
      const d = (2 * (y - ts[s][o])) / (n * OUT);
      gB[o] += d;
      for (let i = 0; i < IN; i++) gW[o * IN + i] += d * xs[s][i];
    }
  }
  gw.set(gW);
  gb.set(gB);
}

function training(): void {
  const batch = 10; // 3 ranks: shards of 4, 3, 3 rows (weighted averaging makes that exact)
  const steps = 5;
  const rng = new Rng(42);
  const data = Array.from({ length: steps }, () => ({
    xs: Array.from({ length: batch }, () => Float64Array.from({ length: IN }, () => rng.nextDouble() * 4 - 2)),
    ts: Array.from({ length: batch }, () => Float64Array.from({ length: OUT }, () => rng.nextDouble() * 10)),
  }));
  const init = (store: ParamStore, seed: number): void => {
    const r = new Rng(seed);
    for (const v of store.params.views) for (let i = 0; i < v.length; i++) v[i] = r.nextDouble() - 0.5;
  };

  // One process, the whole batch.
  const ref = createParamStore([[OUT, IN], [OUT]]);
  init(ref, 5);
  const refOpt = new SGD(ref, { lr: 0.05, momentum: 0.9 });
  const refNorms: number[] = [];
  for (const { xs, ts } of data) {
    gradients(ref, xs, ts);
    refNorms.push(clipGradNormAndStep(refOpt, 2).totalNorm);
  }

  // Data parallel: different initial parameters per rank (rank 0's are broadcast), a shard each.
  const store = createParamStore([[OUT, IN], [OUT]]);
  init(store, rank === 0 ? 5 : 100 + rank);
  const opt = new SGD(store, { lr: 0.05, momentum: 0.9 });
  const dp = new dist.DataParallel(opt, store, { maxNorm: 2, bucketBytes: 40 }); // 10-element buckets
  data.forEach(({ xs, ts }, step) => {
    const s = dp.shard(batch);
    gradients(store, xs.slice(s.start, s.end), ts.slice(s.start, s.end));
    const r = dp.step({ weight: s.weight });
    check(!r.skipped, 'step taken');
    close(r.totalNorm, refNorms[step], 1e-5, `step ${step} norm`);
    check(r.gradScale < 1, `step ${step} clipped (norm ${r.totalNorm})`);
  });
  arraysClose(store.params.base, ref.params.base, 1e-5, 'parameters after data-parallel training');
  const copies = gatherAll(store.params.base);
  for (let r = 1; r < size; r++) arraysEqual(copies[r], copies[0], `parameters identical on rank ${r}`);

  // NaN in one rank's gradients: every rank skips the step, parameters stay identical.
  const before = store.params.base.slice();
  gradients(store, data[0].xs.slice(0, 2), data[0].ts.slice(0, 2));
  if (rank === size - 1) store.grads.views[1][0] = NaN;
  const r = dp.step();
  check(r.skipped && Number.isNaN(r.totalNorm), `NaN on rank ${size - 1} skipped on rank ${rank}`);
  arraysEqual(store.params.base, before, 'parameters untouched by a skipped step');

  // An empty shard (weight 0, e.g. batchSize < size) whose mean-loss gradient is 0/0 = NaN
  // contributes nothing: the step is taken on every rank, not skipped.
  const small = createParamStore([[4]]);
  const dpSmall = new dist.DataParallel(new SGD(small, { lr: 0.1 }), small);
  const empty = rank === size - 1;
  small.grads.views[0].fill(empty ? NaN : rank + 1);
  const rs = dpSmall.step({ weight: empty ? 0 : 1 / (size - 1) });
  check(!rs.skipped && Number.isFinite(rs.totalNorm), `step with an empty shard on rank ${size - 1} taken on rank ${rank}: norm ${rs.totalNorm}`);
  const mean = size === 1 ? 0 : size / 2; // the mean of 1 .. size-1
  check(small.grads.views[0].every((v) => v === mean), `gradients of the non-empty shards only: ${small.grads.views[0].join()} vs ${mean}`);
  pass('dataParallel');
}

async function asyncTraining(): Promise<void> {
  const store = createParamStore([[OUT, IN], [OUT]]);
  const opt = new SGD(store, { lr: 0.1 });
  const dp = new dist.DataParallel(opt, store);
  store.grads.base.fill(rank + 1);
  const r = await dp.stepAsync();
  check(!r.skipped, 'async step taken');
  for (const v of store.grads.views) check(v.every((g) => g === (size + 1) / 2), 'async averaged gradients');
  // A parameter list ({ data, grad } entries) instead of a store: buckets group whole tensors.
  const entries = [5, 3, 7].map((n) => ({ data: new Float32Array(n).fill(rank), grad: new Float32Array(n).fill(2 * (rank + 1)) }));
  const dpList = new dist.DataParallel(new SGD(entries, { lr: 0.5 }), entries, { bucketBytes: 24 });
  dpList.step();
  for (const e of entries) {
    check(e.grad.every((g) => g === size + 1), 'list gradients averaged');
    check(e.data.every((v) => v === -0.5 * (size + 1)), `list parameters broadcast then stepped: ${e.data[0]}`);
  }
  pass('dataParallelAsync');
}

collectives();
await asyncCollectives();
norms();
training();
await asyncTraining();
dist.barrier();
dist.finalize();
if (rank === 0) console.log(`ALL PASSED on ${size} ranks`);
