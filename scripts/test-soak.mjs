#!/usr/bin/env node
// `npm run test:soak`: the soak, leak and crash-safety suites of test/soak/ (vitest.soak.config.ts)
// for a time budget: 8 worker_threads looping every *Async call against the sync forms while the main
// thread churns, a 20,000-step Trainer whose memory must stay flat, and checkpoint saves killed with
// SIGKILL. They load dist/ (the built package), as a user's process would.
// Usage: node scripts/test-soak.mjs [--seconds S]   (or GG_SOAK_SECONDS; default 20: about a minute
// in all, since the leak run and the kill loop have fixed minimums; CI uses the default, a long soak
// e.g. --seconds 1800).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const i = args.indexOf('--seconds');
const seconds = i >= 0 ? args[i + 1] : (process.env.GG_SOAK_SECONDS ?? '20');
if (!(Number(seconds) > 0)) {
  console.error(`test:soak: --seconds must be a positive number, got ${seconds}`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'index.cjs'))) {
  console.error('test:soak: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.soak.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GG_SOAK_SECONDS: String(seconds) },
});
process.exit(r.status ?? 1);
