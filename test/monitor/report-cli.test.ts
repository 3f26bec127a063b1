// The report after the fact: `gradguard report run.jsonl` (monitor.reportCli, which bin/gradguard.mjs
// calls) builds the HTML page from a JSONL log; the page lists warnings and errors by default and
// counts the info events it leaves out. (test/package/report-cli.test.ts runs the bin from the tarball.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { GradientMonitor, monitor } from '../../lib/index.js';
import { noisyLayers } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gg-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** A clipped run's log: two spikes clipping absorbed (info), then a NaN gradient (error), then a crash mid-line. */
function writeLog(path: string): void {
  const names = ['enc.weight', 'enc.bias'];
  const { store, fill } = noisyLayers(names);
  const mon = new GradientMonitor(store, { names, jsonl: { path, every: 5 }, run: { clip: 10 } });
  for (let s = 1; s <= 150; s++) {
    fill(0, s === 40 || s === 100 ? 500 : 1);
    fill(1, 0.2);
    if (s === 140) store.grads.views[0][3] = NaN;
    mon.record(s, 1 / s);
  }
  mon.close();
  writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"step","st`);
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const code = await monitor.reportCli(args);
  vi.restoreAllMocks();
  return { code, out: out.join(''), err: err.join('') };
}

describe('gradguard report (monitor.reportCli)', () => {
  it('charts a crashed run from its JSONL log: warnings and errors listed, info events counted', async () => {
    const log = join(dir, 'run.jsonl');
    writeLog(log);
    const r = await cli(['report', log, '-o', join(dir, 'report.html')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/report\.html \(1 run, 3\d steps, 3 events\)/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('enc.weight');
    expect(html).toMatch(/<span class="lv">error<\/span> step 140: explode: non-finite gradient in enc\.weight/);
    expect(html).not.toMatch(/<span class="lv">info<\/span>/);
    expect(html).toContain('2 events below warning not listed');
    expect(html).toContain('<td>1 / 0 / 2</td>'); // errors / warnings / info
  });

  it('--min-level info lists every event; the output defaults to the log’s name with .html', async () => {
    const log = join(dir, 'all.jsonl');
    writeLog(log);
    const r = await cli(['report', log, '--min-level', 'info', '--title', 'T<1>']);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'all.html'), 'utf8');
    expect(html.match(/<span class="lv">info<\/span>/g)).toHaveLength(2);
    expect(html).toContain('T&#60;1&#62;');
  });

  it('bad usage exits 2 with the usage; an unreadable log exits 1 naming the problem', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['draw', 'x.jsonl'])).err).toMatch(/unknown command "draw"[\s\S]*usage: gradguard report/);
    expect((await cli(['report'])).err).toMatch(/no JSONL file given/);
    expect((await cli(['report', 'x.jsonl', '--min-level', 'loud'])).code).toBe(2);
    expect((await cli(['report', 'x.jsonl', '--bogus'])).code).toBe(2);
    const missing = await cli(['report', join(dir, 'missing.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
    const notLog = join(dir, 'not.jsonl');
    writeFileSync(notLog, 'hello\nworld\n');
    expect((await cli(['report', notLog])).err).toMatch(/not\.jsonl:1: not a JSON line/);
    expect((await cli(['--help'])).out).toMatch(/usage: gradguard report/);
  });
});

describe('report level filter', () => {
  it('reportSpec charts events at or above minLevel (default warning); summaryTable counts levels', () => {
    const names = ['a'];
    const { store, fill } = noisyLayers(names);
    const mon = new GradientMonitor(store, { names, run: { clip: 10 } });
    for (let s = 1; s <= 150; s++) {
      fill(0, s === 40 ? 500 : 1);
      if (s === 140) store.grads.views[0][0] = NaN;
      mon.record(s, 0.5);
    }
    type Spec = { data: { values: { t: string; series?: string }[] } };
    const rules = (o?: monitor.ReportOptions) => (monitor.reportSpec([{ name: 'r', history: mon }], o) as Spec).data.values.filter((v) => v.t === 'event').map((v) => v.series);
    expect(rules()).toEqual(['error']);
    expect(rules({ minLevel: 'info' })).toEqual(['info', 'error']);
    expect(() => rules({ minLevel: 'x' as never })).toThrow(/options\.minLevel/);
    const table = monitor.summaryTable([{ name: 'r', history: mon }]);
    expect(table).toMatch(/errors \/ warnings\s*│\s*1 \/ 0/);
    expect(table).toMatch(/info events\s*│\s*1/);
    // A history saved before levels existed (no level on its events, no levelCounts): its events count as warnings.
    const old = JSON.parse(JSON.stringify(mon));
    delete old.summary.levelCounts;
    for (const e of old.events) delete e.level;
    expect(monitor.summaryTable([{ name: 'r', history: old }])).toMatch(/errors \/ warnings\s*│\s*0 \/ 2/);
    expect((monitor.reportSpec([{ name: 'r', history: old }]) as Spec).data.values.filter((v) => v.t === 'event').map((v) => v.series)).toEqual(['warning', 'warning']);
  });
});
