#!/usr/bin/env node
// `npm run lint:cpp`: checks that every C++ file under native/ (*.cc, *.h) is formatted as the
// root .clang-format says (clang-format --dry-run --Werror), and names the files that are not.
// --fix rewrites them in place instead. CLANG_FORMAT picks the binary (default clang-format; CI
// installs Debian's: apt-get install clang-format). Exits 1 when a file differs, 2 when
// clang-format cannot run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fix = process.argv.includes('--fix');
const bin = process.env.CLANG_FORMAT || 'clang-format';

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return walk(full);
      return /\.(cc|h)$/.test(name) ? [relative(root, full).split('\\').join('/')] : [];
    });
}

const files = walk(join(root, 'native'));
const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  console.error(`lint-cpp: cannot run ${bin} (${version.error?.message ?? version.stderr.trim()}); install it (Debian: apt-get install clang-format) or set CLANG_FORMAT`);
  process.exit(2);
}

const args = fix ? ['-i', '--style=file', ...files] : ['--dry-run', '--Werror', '--style=file', ...files];
const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
if (r.error) {
  console.error(`lint-cpp: ${r.error.message}`);
  process.exit(2);
}
if (fix) {
  console.log(`lint-cpp: formatted ${files.length} files with ${version.stdout.trim()}`);
  process.exit(r.status === 0 ? 0 : 2);
}
const bad = [...new Set([...r.stderr.matchAll(/^(.+?):\d+:\d+: (?:error|warning): code should be clang-formatted/gm)].map((m) => relative(root, m[1])))];
if (r.status === 0) {
  console.log(`lint-cpp: ${files.length} files formatted as .clang-format says (${version.stdout.trim()})`);
  process.exit(0);
}
if (bad.length === 0) {
  process.stderr.write(r.stderr);
  process.exit(2);
}
console.error(`lint-cpp: ${bad.length} of ${files.length} files differ from .clang-format:\n  ${bad.join('\n  ')}`);
console.error('Run `node scripts/lint-cpp.mjs --fix` (or clang-format -i FILE) to reformat them.');
process.exit(1);
