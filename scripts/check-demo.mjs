#!/usr/bin/env node
// Runs the full `npm run demo` and checks the outcomes issues 6, 13 and 17 promise, from the
// machine-readable summary the demo writes: part 1(a) (RNN, no clipping) goes non-finite and the
// monitor names it; part 1(b) (clipGradNorm 1.0) and part 2 (LSTM) reach a test MSE below 0.01 with
// no monitor warning or error (the monitor must not cry wolf on a healthy run); part 3(a) (plain
// 20-conv CNN) stays near chance with a vanish/explode event naming a layer, and part 3(b) (the
// cures) reaches at least 97% test accuracy on the 2,000 held-out digits. Extra arguments go to the
// demo (e.g. --threads 1, --part cnn: only the parts run are checked). Exit code 1 when an outcome
// is missed, 2 when the demo itself fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'gradguard-demo-'));
const t0 = Date.now();
const p = spawnSync(process.execPath, ['--import', 'tsx', 'examples/adding/demo.ts', '--out', out, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (p.status !== 0) {
  console.error(`check-demo: the demo exited with ${p.status ?? p.signal}`);
  process.exit(2);
}
const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
const o = s.outcomes;
const parts = o.parts ?? ['1', '2'];
const checks = [];
if (parts.includes('1')) {
  checks.push(
    ['1(a) unclipped RNN goes non-finite', o.part1aNonFinite === true, `first non-finite step ${o.part1aNonFiniteStep}`],
    ['1(a) the monitor names step, layer and norm', typeof o.part1aNamedBy === 'string' && /^step \d+: explode: non-finite gradient in \S+ \(norm /.test(o.part1aNamedBy), o.part1aNamedBy],
    [`1(b) clipped RNN test MSE < ${o.targetMse}`, typeof o.part1bTestMse === 'number' && o.part1bTestMse < o.targetMse, `test MSE ${o.part1bTestMse}`],
  );
}
if (parts.includes('2')) checks.push([`2 LSTM test MSE < ${o.targetMse}`, typeof o.part2TestMse === 'number' && o.part2TestMse < o.targetMse, `test MSE ${o.part2TestMse}`]);
if (parts.includes('cnn')) {
  const c = o.part3 ?? {};
  checks.push(
    [`3(a) plain CNN stays near chance (< ${c.chanceCeiling})`, typeof c.part3aTestAccuracy === 'number' && c.part3aTestAccuracy < c.chanceCeiling, `test accuracy ${c.part3aTestAccuracy}`],
    ['3(a) the monitor names a layer whose gradients vanish or explode', typeof c.part3aNamedBy === 'string' && /^step \d+: (vanish|explode): .* in \d+\.(weight|bias) /.test(c.part3aNamedBy), `${c.part3aEvents} events; first: ${c.part3aNamedBy}`],
    [`3(b) cured CNN test accuracy >= ${c.targetAccuracy}`, typeof c.part3bTestAccuracy === 'number' && c.part3bTestAccuracy >= c.targetAccuracy, `test accuracy ${c.part3bTestAccuracy} in ${c.part3bSeconds?.toFixed?.(1)} s`],
    ['3(b) (healthy): no monitor warning or error', Array.isArray(c.part3bWarnings) && c.part3bWarnings.length === 0, c.part3bWarnings?.join('; ') || 'none'],
  );
}
if (parts.includes('1') || parts.includes('2')) {
  checks.push(['1(b) and 2 (healthy): no monitor warning or error', Array.isArray(o.healthyWarnings) && o.healthyWarnings.length === 0, o.healthyWarnings?.join('; ') || 'none']);
}
checks.push(['the report was written', typeof s.report === 'string', s.report]);
console.log(`\ncheck-demo (${((Date.now() - t0) / 1000).toFixed(0)} s, ${s.backend.backend}/${s.backend.isa}, ${s.backend.threads} threads):`);
for (const [what, ok, detail] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}: ${detail}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
