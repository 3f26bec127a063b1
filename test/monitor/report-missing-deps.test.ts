// Without the optional vega/vega-lite peers, a report call fails with a clear error, and the rest of
// the monitor (and the table) keeps working.
import { describe, expect, it, vi } from 'vitest';

vi.mock('vega', () => {
  throw new Error("Cannot find package 'vega'");
});

describe('monitor reports without vega installed', () => {
  it('reject with ERR_GRADGUARD_MISSING_DEPENDENCY naming the packages; the monitor and table still work', async () => {
    const { GradientMonitor, monitor } = await import('../../lib/index.js');
    const mon = new GradientMonitor([{ name: 'w', grad: new Float32Array([3, 4]) }]);
    expect(mon.record(1, 0.5).totalNorm).toBe(5);
    const runs = [{ name: 'r', history: mon }];
    await expect(monitor.renderSvg(runs)).rejects.toMatchObject({ code: 'ERR_GRADGUARD_MISSING_DEPENDENCY', message: expect.stringMatching(/npm install vega vega-lite/) });
    await expect(monitor.renderReport(runs)).rejects.toThrow(/optional packages vega and vega-lite/);
    expect(monitor.summaryTable(runs)).toMatch(/steps\s*│\s*1/);
  });
});
