// nn.MultiheadAttention forward+backward (self-attention, causal) at the shape of issue 14 — E 256,
// 4 heads, L 128, batch 8 — and one pre-norm TransformerEncoderLayer around it: native on 1 and 2
// threads (time, GFLOP/s, % of the machine's FMA peak), the pure-TS backend, and the ratio to
// PyTorch 1.13's 14.3 ms for the MultiheadAttention step on one thread (measured on this class of
// machine; the target is ≥ 1.5×). Modules and their buffers are built once; the timed call
// is forward + backward (gradients accumulate, as in training without zeroGrad: same work).
// Run: npx tsx bench/transformer.bench.ts [--quick]   (part of npm run bench; --quick skips pure-TS)
import { cpus } from 'node:os';
import { loadDevtools } from '../scripts/devtools.js';
import { backendInfo, getNumThreads, nativeAvailable, nn, setNumThreads, useBackend } from '../lib/index.js';
import { measure } from './harness.js';

const quick = process.argv.includes('--quick');
const E = 256, HEADS = 4, L = 128, B = 8, FF = 1024;
const PYTORCH_MHA_MS = 14.3;

const fill = (n: number, seed: number, scale = 1): Float32Array => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = (((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5) * scale;
  return a;
};

/** Multiply-adds ×2 of one forward+backward, dense (a causal kernel that skips the masked half does less). */
function mhaFlops(): number {
  const rows = L * B;
  const proj = 3 * (rows * E * 3 * E + rows * E * E); // in_proj and out_proj: forward, ∂x, ∂W
  const attn = 6 * B * HEADS * L * L * (E / HEADS); // QKᵀ, PV; dV, dP, dQ, dK
  return 2 * (proj + attn);
}

function step(m: nn.MultiheadAttention | nn.TransformerEncoderLayer): () => void {
  const x = nn.tensor(fill(L * B * E, 1), [L, B, E]);
  const g = nn.tensor(fill(L * B * E, 2, 0.1), [L, B, E]);
  return () => {
    m.forward(x, { causal: true });
    m.backward(g);
  };
}

function main(): void {
  const all = nativeAvailable() ? getNumThreads() : 1;
  const threadCounts = [...new Set([1, Math.min(2, all)])];
  console.log(`\nMultiheadAttention / TransformerEncoderLayer forward+backward (E ${E}, ${HEADS} heads, L ${L}, batch ${B}, causal) — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}, Node ${process.version}`);
  const peak = new Map<number, number>();
  if (nativeAvailable()) {
    try {
      const probes = loadDevtools();
      for (const t of threadCounts) {
        let flops = 0;
        const timing = measure(`peak ${t}t`, () => void (flops = probes.fmaPeak(2e7, t, backendInfo().isa)), { maxTime: 1 });
        peak.set(t, flops / timing.median / 1e9);
        console.log(`peak FMA rate, ${t} thread(s): ${peak.get(t)!.toFixed(1)} GFLOP/s`);
      }
    } catch (err) {
      console.log(`(no FMA peak: ${(err as Error).message})`);
    }
  }
  const mha = new nn.MultiheadAttention(E, HEADS, { seed: 1 });
  const layer = new nn.TransformerEncoderLayer(E, HEADS, { dimFeedforward: FF, dropout: 0, normFirst: true, seed: 2 });
  const flops = mhaFlops();
  console.log(`| module | contender | median ms | first ms | GFLOP/s (MHA, dense count) | % peak | × pure-TS | × PyTorch 1.13 1t (${PYTORCH_MHA_MS} ms) |\n|---|---|---|---|---|---|---|---|`);
  for (const [name, m] of [['MultiheadAttention', mha], [`TransformerEncoderLayer (ff ${FF}, pre-norm)`, layer]] as const) {
    const run = step(m);
    const times = new Map<string, { median: number; first: number }>();
    if (nativeAvailable()) {
      useBackend('native');
      for (const t of threadCounts) {
        setNumThreads(t);
        times.set(`native ${t}t`, measure(`${name} native ${t}t`, run, { maxTime: 3, minSamples: 9 }));
      }
      setNumThreads(all);
    }
    if (!quick) {
      useBackend('js');
      times.set('pure-TS', measure(`${name} js`, run, { maxTime: 2, minSamples: 2 }));
      if (nativeAvailable()) useBackend('native');
    }
    const isMha = m === mha;
    for (const [who, t] of times) {
      const threads = /native (\d+)t/.exec(who);
      const pk = threads ? peak.get(Number(threads[1])) : undefined;
      const gf = flops / t.median / 1e9;
      const vsJs = times.has('pure-TS') && who !== 'pure-TS' ? (times.get('pure-TS')!.median / t.median).toFixed(1) : '—';
      const vsTorch = isMha ? (PYTORCH_MHA_MS / 1e3 / t.median).toFixed(2) : '—';
      console.log(
        `| ${name} | ${who} | ${(t.median * 1e3).toFixed(2)} | ${(t.first * 1e3).toFixed(1)} | ${isMha ? gf.toFixed(1) : '—'} | ${isMha && pk ? ((100 * gf) / pk).toFixed(0) + '%' : '—'} | ${vsJs} | ${vsTorch} |`,
      );
    }
  }
}

main();
