import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GradientMonitor, monitor } from '../../lib/index.js';
import { noisyLayers } from './helpers.js';

/** Two monitored runs: a healthy one, and one that spikes and then goes non-finite. */
function twoRuns(steps = 300) {
  const make = (names: string[], blowUpAt: number | null) => {
    const { store, fill } = noisyLayers(names);
    const mon = new GradientMonitor(store, { names });
    for (let s = 1; s <= steps; s++) {
      names.forEach((_, i) => fill(i, blowUpAt !== null && s >= blowUpAt - 20 ? 10 ** (s - blowUpAt + 21) : 1));
      if (blowUpAt !== null && s >= blowUpAt) store.grads.views[0][0] = NaN;
      mon.record(s, blowUpAt !== null && s >= blowUpAt ? NaN : 1 / s);
      if (blowUpAt !== null && s >= blowUpAt) break;
    }
    return mon;
  };
  return [
    { name: 'healthy run', history: make(['enc.weight', 'enc.bias'], null) },
    { name: 'exploding run', history: make(['rnn.weight_hh', 'head.bias'], 150) },
  ];
}

describe('monitor reports', () => {
  it('renders one self-contained HTML page: inline SVG chart, both runs, their series, the events, no network references', async () => {
    const runs = twoRuns();
    const html = await monitor.renderReport(runs, { title: 'my <run> report' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).toContain('my &#60;run&#62; report');
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>'));
    expect(svg.length).toBeGreaterThan(10_000);
    for (const text of ['healthy run', 'exploding run', 'enc.weight', 'enc.bias', 'rnn.weight_hh', 'head.bias', 'total']) expect(svg).toContain(text);
    expect(svg).toMatch(/<path[^>]*d="M/); // lines were drawn
    expect(html).toContain('non-finite gradient in rnn.weight_hh');
    expect(html).toContain('Clip them');
    expect(html).toContain('<td>300</td>'); // the healthy run's recorded steps in the summary table
  });

  it('renders a standalone SVG document, also from a history read back from JSON', async () => {
    const runs = twoRuns().map((r) => ({ name: r.name, history: JSON.parse(JSON.stringify(r.history)) }));
    const svg = await monitor.renderSvg(runs);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('exploding run');
  });

  it('gives every run its own loss and norm panels, each with its own y range (an overflowed run flattens no other)', () => {
    const spec = monitor.reportSpec(twoRuns()) as { vconcat: { title: string; facet: { column: { field: string } }; resolve: { scale: { y: string } } }[] };
    expect(spec.vconcat.map((p) => p.title)).toEqual([expect.stringMatching(/^loss/), expect.stringMatching(/^gradient L2 norm/)]);
    for (const panel of spec.vconcat) {
      expect(panel.facet.column.field).toBe('run');
      expect(panel.resolve.scale.y).toBe('independent');
    }
  });

  it('does not repeat the page title inside the HTML chart', async () => {
    const html = await monitor.renderReport(twoRuns(60), { title: 'unique-title-xyz' });
    expect(html.split('unique-title-xyz')).toHaveLength(3); // <title> and <h1>
    expect(await monitor.renderSvg(twoRuns(60), { title: 'unique-title-xyz' })).toContain('unique-title-xyz');
  });

  it('buckets long series to maxPoints per series, keeping each bucket’s largest norm', () => {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'] });
    for (let s = 1; s <= 5000; s++) {
      fill(0, s === 2345 ? 1e6 : 1);
      mon.record(s, 1);
    }
    const spec = monitor.reportSpec([{ name: 'r', history: mon }], { maxPoints: 100 }) as { data: { values: { t: string; series?: string; value?: number }[] } };
    const rows = spec.data.values;
    const normA = rows.filter((r) => r.t === 'norm' && r.series === 'a');
    expect(normA).toHaveLength(100);
    expect(rows.filter((r) => r.t === 'loss')).toHaveLength(100);
    expect(Math.max(...normA.map((r) => r.value ?? 0))).toBeGreaterThan(5e5);
    expect(rows.filter((r) => r.t === 'event')).toHaveLength(1);
  });

  it('writes the report through a temporary file and leaves only the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-report-'));
    const path = join(dir, 'report.html');
    expect(await monitor.writeReport(path, twoRuns(50))).toBe(path);
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(readFileSync(path, 'utf8')).toContain('</html>');
    expect(existsSync(`${path}.tmp`)).toBe(false);
    // A directory in the way of the rename: the call fails and leaves no temporary behind.
    const blocked = join(dir, 'blocked.html');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'keep'), 'x');
    await expect(monitor.writeReport(blocked, twoRuns(20))).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['blocked.html', 'report.html']);
  });

  it('prints a compact side-by-side terminal table with extra rows', () => {
    const runs = twoRuns();
    const table = monitor.summaryTable(runs, { extraRows: { 'test MSE': ['0.002', '—'] } });
    const lines = table.split('\n');
    expect(lines[1]).toMatch(/healthy run.*exploding run/);
    expect(table).toMatch(/steps\s*│\s*300\s*│\s*150/);
    expect(table).toMatch(/non-finite steps\s*│\s*0\s*│\s*1/);
    expect(table).toMatch(/test MSE\s*│\s*0\.002\s*│\s*—/);
    expect(lines.length).toBeLessThan(14); // no rule between rows
    expect(monitor.summaryTable(runs, { ascii: true })).not.toMatch(/[│─┌]/);
  });

  it('rejects malformed runs naming the argument', async () => {
    expect(() => monitor.summaryTable([])).toThrow(/runs/);
    expect(() => monitor.reportSpec([{ name: 'a', history: { nope: 1 } as never }])).toThrow(/runs\[0\]\.history/);
    const [r] = twoRuns(20);
    expect(() => monitor.reportSpec([r, r])).toThrow(/runs\[1\]\.name/);
    expect(() => monitor.reportSpec([r], { maxPoints: 1 })).toThrow(/maxPoints/);
    await expect(monitor.renderReport([{ name: 3 } as never])).rejects.toThrow(TypeError);
    await expect(monitor.writeReport('' as never, [r])).rejects.toThrow(/path/);
  });
});
