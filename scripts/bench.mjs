#!/usr/bin/env node
// `npm run bench [-- FLAGS]`: bench/run.ts (the gradient toolkit), then every bench/*.bench.ts in
// name order, each given the same flags (`--quick` included: an `a && b` chain in package.json
// handed npm's extra arguments to the last file only). A new benchmark file needs no registration.
// Stops at the first file that fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILES = ['run.ts', ...readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).sort()];
const tsx = join(root, 'node_modules', '.bin', 'tsx');
for (const file of FILES) {
  const r = spawnSync(tsx, [join('bench', file), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: bench/${file} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}
