// `npx gradguard report run.jsonl` from the packed tarball, as a user runs it after a crashed or remote
// job: npm pack → npm install <tarball> in a new project → a GradientMonitor writes a JSONL log → the
// package's bin charts it. Without the optional vega/vega-lite it says what to install; with them (linked
// from this repository's node_modules, as `npm install vega vega-lite` would provide) it writes the page.
// Needs dist built from the current sources (npm run build:ts), like consumer.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmAsync, npmCli, packedFiles, packInto, root } from './pack.js';

const tmp = mkdtempSync(join(tmpdir(), 'gg-report-bin-'));
const app = join(tmp, 'app');

const env = (): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('GRADGUARD_') || k === 'VITEST' || k.startsWith('VITEST_')) delete e[k];
  return e;
};

/** `npx gradguard …` in the app (npm exec with this Node's npm). */
const gradguard = (args: string[]) => spawnSync(process.execPath, [npmCli, 'exec', '--offline', '--', 'gradguard', ...args], { cwd: app, env: env(), encoding: 'utf8', timeout: 120_000 });

beforeAll(async () => {
  if (!readFileSync(join(root, 'dist', 'index.js'), 'utf8').includes('reportCli')) throw new Error('dist/ predates the report CLI: run `npm run build:ts`');
  const tgz = packInto(tmp);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  await npmAsync(['install', tgz, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env: env(), timeout: 600_000 });
  // A job that logs to JSONL and then crashes mid-line.
  writeFileSync(join(app, 'job.mjs'), `
import { GradientMonitor } from 'gradguard';
const grads = [new Float32Array(64), new Float32Array(8)];
const mon = new GradientMonitor([{ name: 'fc.weight', grad: grads[0] }, { name: 'fc.bias', grad: grads[1] }], { jsonl: 'run.jsonl', run: { clip: 100 } });
for (let s = 1; s <= 200; s++) {
  grads[0].fill(s === 150 ? 50 : 0.01 * (1 + (s % 7) / 10));
  grads[1].fill(0.02);
  if (s === 190) grads[1][0] = NaN;
  mon.record(s, 1 / s);
}
process.stdout.write(String(mon.eventLog.length));
`);
  const job = spawnSync(process.execPath, ['job.mjs'], { cwd: app, env: env(), encoding: 'utf8' });
  if (job.status !== 0) throw new Error(`job.mjs failed: ${job.stderr}`);
  writeFileSync(join(app, 'run.jsonl'), `${readFileSync(join(app, 'run.jsonl'), 'utf8')}{"type":"step","step":20`);
}, 900_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gradguard report from the packed tarball', () => {
  it('ships the bin and declares it', () => {
    expect(packedFiles()).toContain('bin/gradguard.mjs');
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'gradguard', 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ gradguard: 'bin/gradguard.mjs' });
    expect(existsSync(join(app, 'node_modules', '.bin', 'gradguard'))).toBe(true);
  });

  it('without vega and vega-lite: exit 1 and a line saying what to install', () => {
    const r = gradguard(['report', 'run.jsonl', '-o', 'report.html']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/gradguard: monitor reports need the optional packages vega and vega-lite \(npm install vega vega-lite\)/);
    expect(existsSync(join(app, 'report.html'))).toBe(false);
  });

  it('with them: writes the report of the crashed run, its error listed', () => {
    for (const p of ['vega', 'vega-lite']) symlinkSync(join(root, 'node_modules', p), join(app, 'node_modules', p), 'dir');
    const r = gradguard(['report', 'run.jsonl', '-o', 'report.html']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^report\.html \(1 run, 200 steps, \d+ events\)/);
    const html = readFileSync(join(app, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toMatch(/<span class="lv">error<\/span> step 190: explode: non-finite gradient in fc\.bias/);
    expect(gradguard(['report']).status).toBe(2);
  });
});
