#!/usr/bin/env tsx
// npm run golden -- DIR [--backend js|native|all]
// Prints one line per failing case, then "N passed, M failed"; exits 1 on any failure.
import { runGoldenDir, targetsFor } from './golden/runner.js';

const args = process.argv.slice(2);
const at = args.indexOf('--backend');
const backend = at >= 0 ? args[at + 1] : 'all';
const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--backend');
if (!dir) {
  console.error('usage: npm run golden -- DIR [--backend js|native|all]');
  process.exit(2);
}
try {
  const r = runGoldenDir(dir, targetsFor(backend ?? 'all'));
  for (const line of r.failures) console.log(`FAIL ${line}`);
  console.log(`${r.passed} passed, ${r.failed} failed`);
  process.exit(r.failed > 0 ? 1 : 0);
} catch (err) {
  console.error(String((err as Error).message ?? err));
  process.exit(2);
}
