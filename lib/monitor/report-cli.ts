/**
 * `gradguard report run.jsonl [more.jsonl …] [-o report.html] [--title T] [--min-level L]`: the
 * report page built after the fact from the monitor's JSONL log (a crashed, remote or running job).
 * The package's bin (bin/gradguard.mjs) calls it.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { LEVELS, type MonitorEventLevel } from './events.js';
import { readJsonl } from './jsonl-read.js';
import { writeReport } from './report-render.js';

const USAGE = `usage: gradguard report <run.jsonl> [more.jsonl ...] [-o report.html] [--title TITLE] [--min-level info|warning|error]
  Charts a run from the JSON lines a GradientMonitor wrote (options.jsonl). Several files are read in
  order (rotated files first) as one log; a log holding several runs gives one column per run.
  Needs the optional packages vega and vega-lite (npm install vega vega-lite).`;

/**
 * Runs the CLI: writes the report and prints its path, or prints the problem to stderr.
 * @param argv the arguments after the program name (`['report', 'run.jsonl', '-o', 'out.html']`).
 * @returns the exit code: 0 written, 1 the log could not be read or the report not written, 2 bad usage.
 */
export async function reportCli(argv: readonly string[]): Promise<number> {
  let values: { output?: string; title?: string; 'min-level'?: string; help?: boolean };
  let files: string[];
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, title: { type: 'string' }, 'min-level': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    values = parsed.values;
    files = parsed.positionals;
  } catch (e) {
    process.stderr.write(`gradguard: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, ...inputs] = files;
  const minLevel = values['min-level'] ?? 'warning';
  if (command !== 'report' || inputs.length === 0 || !LEVELS.includes(minLevel as MonitorEventLevel)) {
    const why = command !== 'report' ? `unknown command "${command ?? ''}"` : inputs.length === 0 ? 'no JSONL file given' : `--min-level: expected info, warning or error, got "${minLevel}"`;
    process.stderr.write(`gradguard: ${why}\n${USAGE}\n`);
    return 2;
  }
  const out = values.output ?? inputs[inputs.length - 1].replace(/\.jsonl?$/i, '') + '.html';
  try {
    const histories = readJsonl(...inputs);
    const label = basename(inputs[inputs.length - 1]);
    const runs = histories.map((history, i) => ({ name: histories.length > 1 ? `${label} #${i + 1}` : label, history }));
    await writeReport(out, runs, { title: values.title ?? `gradguard report: ${label}`, minLevel: minLevel as MonitorEventLevel });
    const events = histories.reduce((a, h) => a + h.events.length, 0);
    process.stdout.write(`${out} (${histories.length} run${histories.length > 1 ? 's' : ''}, ${histories.reduce((a, h) => a + h.steps.length, 0)} steps, ${events} events)\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`gradguard: ${(e as Error).message}\n`);
    return 1;
  }
}
