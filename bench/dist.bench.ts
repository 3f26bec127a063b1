// npm run bench (part): gradguard.dist on this machine's loopback. All-reduce bandwidth for 1, 16
// and 100 MB float32 messages at 2 and 3 ranks, beside a plain C MPI_Allreduce (bench/c/allreduce.c,
// compiled here with mpicc) on the same sizes in the same run. Rounds alternate which goes first;
// the ratio is taken within each round (paired, so both see the same machine load) and its median
// over the rounds is reported, with the median times. Then the time of one
// data-parallel training step at 2 and 3 ranks versus one process on the whole batch.
// Writes bench/results/dist.json. Skips (exit 0, with the reason) when the MPI addon is not built.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dist } from '../lib/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const SIZES_MB = [1, 16, 100];
const RANKS = [2, 3];
const ROUNDS = quick ? 1 : 5;
const STEP_ROUNDS = quick ? 1 : 3;
const ITERS = quick ? 5 : 20;
// Small messages take a fraction of a millisecond: 20 calls leave their median at the mercy of one
// descheduled rank, so each size gets at least ~200 MB of traffic (1 MB: 200 calls).
const itersFor = (mb: number): number => (quick ? ITERS : Math.max(ITERS, Math.ceil(200 / mb)));
const sizeArgs = SIZES_MB.map((mb) => `${mb}:${itersFor(mb)}`);

if (!dist.available()) {
  console.log(`dist bench skipped: ${dist.unavailableReason()}`);
  process.exit(0);
}
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };

function mpirun(np: number, cmd: string[], extraEnv: Record<string, string> = {}, mpiArgs: string[] = []): Record<string, number | string>[] {
  const r = spawnSync('mpirun', ['--oversubscribe', ...(asRoot ? ['--allow-run-as-root'] : []), ...mpiArgs, '-np', String(np), ...cmd], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    timeout: 900_000,
  });
  if (r.status !== 0) throw new Error(`mpirun ${cmd.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cBin = join(root, 'build-mpi', 'bench-allreduce');
const cc = spawnSync('mpicc', ['-O2', '-o', cBin, join(root, 'bench', 'c', 'allreduce.c')], { encoding: 'utf8' });
if (cc.status !== 0) throw new Error(`mpicc bench/c/allreduce.c failed:\n${cc.stderr}`);

const cores = cpus().length;
console.log(`\ngradguard.dist bench — ${dist.libraryVersion()}, ${cpus()[0]?.model ?? 'CPU'}, ${cores} cores, loopback (shared memory), ${ROUNDS} rounds × (${SIZES_MB.map((mb) => `${itersFor(mb)} calls of ${mb} MB`).join(', ')})`);
console.log('all-reduce (sum, in place, float32): per call the slowest rank; median over calls, then over rounds; algorithm bandwidth = message bytes / time;');
console.log('gradguard / C = median over rounds of the ratio within a round (range in brackets)\n');
console.log('| ranks | message | C MPI_Allreduce ms | C GB/s | gradguard ms | gradguard GB/s | gradguard / C | bare addon call ms |');
console.log('|---|---|---|---|---|---|---|---|');
const allreduce: Record<string, unknown>[] = [];
for (const np of RANKS) {
  const samples = new Map<string, number[]>();
  const add = (k: string, v: number): void => void samples.set(k, [...(samples.get(k) ?? []), v]);
  const worker = [process.execPath, '--import', 'tsx', 'bench/dist-worker.ts', 'allreduce', ...sizeArgs];
  const runC = (): void => {
    for (const r of mpirun(np, [cBin, ...sizeArgs])) add(`c ${r.mb}`, r.median as number);
  };
  const runG = (): void => {
    for (const r of mpirun(np, worker, { GRADGUARD_THREADS: '1' })) add(`${r.impl} ${r.mb}`, r.median as number);
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      runC();
      runG();
    } else {
      runG();
      runC();
    }
  }
  for (const mb of SIZES_MB) {
    const cs = samples.get(`c ${mb}`) ?? [];
    const gs = samples.get(`gradguard ${mb}`) ?? [];
    const c = median(cs);
    const g = median(gs);
    const raw = median(samples.get(`addon-raw ${mb}`) ?? []);
    const ratios = cs.map((cv, i) => cv / gs[i]);
    const ratio = median(ratios);
    const bytes = mb * 2 ** 20;
    allreduce.push({ ranks: np, mb, cSeconds: c, gradguardSeconds: g, rawSeconds: raw, ratio, ratios });
    const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
    console.log(`| ${np} | ${mb} MB | ${(c * 1e3).toFixed(2)} | ${(bytes / c / 1e9).toFixed(2)} | ${(g * 1e3).toFixed(2)} | ${(bytes / g / 1e9).toFixed(2)} | ${pct(ratio)} [${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))}] | ${(raw * 1e3).toFixed(2)} |`);
  }
}

console.log('\none data-parallel step, MLP 1024-2048-2048-10 (6.3 M params, 25 MB of gradients), batch 256, SGD momentum, clip 1.0');
console.log('(threads per rank = cores / ranks, at least 1, each rank bound to that many cores while they last; median of rounds)\n');
console.log('| ranks | threads/rank | mpirun binding | rows/rank | forward+backward ms | averageGradients ms | full step ms | × one process |');
console.log('|---|---|---|---|---|---|---|---|');
const steps: Record<string, unknown>[] = [];
let oneProcess = NaN;
for (const np of [1, ...RANKS]) {
  const threads = Math.max(1, Math.floor(cores / np));
  // Open MPI binds each rank to one core when np <= 2: a 2-thread rank would run both threads on it.
  // Give each rank its own `threads` cores, or, with more ranks than cores, leave them unbound.
  const binding = np * threads <= cores ? ['--map-by', `slot:PE=${threads}`] : ['--bind-to', 'none'];
  const runs = Array.from({ length: STEP_ROUNDS }, () => mpirun(np, [process.execPath, '--import', 'tsx', 'bench/dist-worker.ts', 'step', String(quick ? 3 : 7)], { GRADGUARD_THREADS: String(threads) }, binding)[0]);
  const m = (k: string): number => median(runs.map((r) => r[k] as number));
  const step = m('step');
  if (np === 1) oneProcess = step;
  steps.push({ ranks: np, threads, binding: binding.join(' '), rowsPerRank: runs[0].rowsPerRank, compute: m('compute'), averageGradients: m('averageGradients'), step });
  console.log(`| ${np} | ${threads} | \`${binding.join(' ')}\` | ${runs[0].rowsPerRank} | ${(m('compute') * 1e3).toFixed(1)} | ${(m('averageGradients') * 1e3).toFixed(1)} | ${(step * 1e3).toFixed(1)} | ${(step / oneProcess).toFixed(2)} |`);
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'dist.json'), JSON.stringify({ mpi: dist.libraryVersion(), cores, rounds: ROUNDS, stepRounds: STEP_ROUNDS, iters: Object.fromEntries(SIZES_MB.map((mb) => [mb, itersFor(mb)])), allreduce, steps }, null, 2) + '\n');
