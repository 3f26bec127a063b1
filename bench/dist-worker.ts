// Runs under mpirun for bench/dist.bench.ts (never alone): times gradguard's allReduce the way
// bench/c/allreduce.c times MPI_Allreduce (warm-up, `iters` calls between barriers, slowest rank per
// call, median), plus the bare addon call (no size check, no chunking) to show where time goes.
// Usage: node --import tsx bench/dist-worker.ts allreduce MB:ITERS...
//        node --import tsx bench/dist-worker.ts step ITERS
import { createParamStore, dist, ops, SGD, type ParamStore } from '../lib/index.js';
import { mpiAddon } from '../lib/dist/addon.js';

const [mode, ...rest] = process.argv.slice(2);
const { rank, size } = dist.init({ timeoutMs: 600_000 });
const slowest = new Float32Array(1);

/** Median over `iters` calls of the slowest rank's time for one call of fn. */
function time(iters: number, fn: () => void): number {
  fn(); // warm-up
  const t: number[] = [];
  for (let k = 0; k < iters; k++) {
    dist.barrier();
    const t0 = process.hrtime.bigint();
    fn();
    slowest[0] = Number(process.hrtime.bigint() - t0) / 1e9;
    dist.allReduce(slowest, 'max');
    t.push(slowest[0]);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const print = (o: Record<string, unknown>): void => {
  if (rank === 0) console.log(JSON.stringify({ ranks: size, ...o }));
};

if (mode === 'allreduce') {
  const raw = mpiAddon();
  if (raw === null) throw new Error('no MPI addon');
  for (const arg of rest) {
    const [mb, iters] = arg.split(':').map(Number);
    const buf = new Float32Array((mb * 1024 * 1024) / 4);
    for (let i = 0; i < buf.length; i++) buf[i] = 1 / ((i % 97) + 1);
    print({ impl: 'gradguard', mb, median: time(iters, () => dist.allReduce(buf, 'sum')), iters });
    print({ impl: 'addon-raw', mb, median: time(iters, () => raw.rawAllReduceSum(buf)), iters });
  }
} else if (mode === 'step') {
  const iters = Number(rest[0]);
  // One training step of an MLP 1024-2048-2048-10 (6.3 M parameters, 25 MB of gradients) on a
  // batch of 256 rows: this rank's shard forward + backward, then DataParallel's average, global
  // clip and SGD step. With size 1 it is the one-process step on the whole batch.
  const dims = [1024, 2048, 2048, 10];
  const batch = 256;
  const store: ParamStore = createParamStore(dims.slice(1).flatMap((o, l) => [[o, dims[l]], [o]]));
  for (const v of store.params.views) for (let i = 0; i < v.length; i++) v[i] = (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5) * 0.05;
  const opt = new SGD(store, { lr: 0.01, momentum: 0.9 });
  const dp = new dist.DataParallel(opt, store, { maxNorm: 1 });
  const s = dp.shard(batch);
  const rows = s.count;
  const acts = dims.map((d) => new Float32Array(rows * d).fill(0.1));
  const grads = dims.map((d) => new Float32Array(rows * d));
  const forwardBackward = (): void => {
    for (let l = 0; l < 3; l++) {
      ops.linearForward(acts[l], store.params.views[2 * l], store.params.views[2 * l + 1], acts[l + 1], { batch: rows, inFeatures: dims[l], outFeatures: dims[l + 1] });
    }
    grads[3].fill(1 / batch);
    for (let l = 2; l >= 0; l--) {
      ops.linearBackward(acts[l], store.params.views[2 * l], grads[l + 1], { gradX: grads[l], gradWeight: store.grads.views[2 * l], gradBias: store.grads.views[2 * l + 1] }, { batch: rows, inFeatures: dims[l], outFeatures: dims[l + 1] });
    }
  };
  const compute = time(iters, forwardBackward);
  const step = time(iters, () => {
    forwardBackward();
    dp.step({ weight: s.weight });
  });
  const comm = time(iters, () => dp.averageGradients(s.weight));
  print({ impl: 'step', batch, rowsPerRank: rows, params: store.size, compute, step, averageGradients: comm, iters });
} else {
  throw new Error(`unknown mode ${mode}`);
}
dist.finalize();
