/**
 * Training progress output: a cli-progress bar on a TTY (loss, gradient norm, steps/s), plain
 * periodic lines otherwise (logs, CI), or nothing.
 */
import cliProgress from 'cli-progress';

/**
 * How the Trainer reports progress: 'bar' (a cli-progress bar with loss, gradient norm and steps/s),
 * 'lines' (a plain line every `logEvery` steps, for logs and CI), 'none', or 'auto' (a bar when the
 * stream is a TTY, else lines).
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface ProgressUpdate {
  step: number;
  epoch: number;
  loss: number;
  gradNorm: number;
  stepsPerSecond: number;
  skipped: number;
}

export interface Reporter {
  update(u: ProgressUpdate): void;
  stop(final: ProgressUpdate | null, note?: string): void;
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4)) : String(v));

function line(u: ProgressUpdate, total: number): string {
  const of = Number.isFinite(total) ? `/${total}` : '';
  const skipped = u.skipped ? ` | skipped ${u.skipped}` : '';
  return `step ${u.step}${of} | epoch ${u.epoch} | loss ${fmt(u.loss)} | grad-norm ${fmt(u.gradNorm)} | ${u.stepsPerSecond.toFixed(1)} steps/s${skipped}`;
}

class BarReporter implements Reporter {
  private readonly bar: cliProgress.SingleBar;
  constructor(private readonly stream: NodeJS.WriteStream, total: number) {
    const head = Number.isFinite(total) ? '{bar} {value}/{total}' : 'step {value}';
    this.bar = new cliProgress.SingleBar(
      { format: `${head} | loss {loss} | grad-norm {gnorm} | {sps} steps/s`, stream, hideCursor: true, barsize: 24, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Number.isFinite(total) ? total : 0, 0, { loss: '-', gnorm: '-', sps: '-' });
    process.once('exit', this.showCursor);
  }
  // The bar hides the cursor; a process.exit mid-run (the second Ctrl-C) skips stop(), so the
  // terminal would be left without one.
  private readonly showCursor = (): void => {
    this.stream.write('\x1b[?25h');
  };
  update(u: ProgressUpdate): void {
    this.bar.update(u.step, { loss: fmt(u.loss), gnorm: fmt(u.gradNorm), sps: u.stepsPerSecond.toFixed(1) });
  }
  stop(final: ProgressUpdate | null, note?: string): void {
    if (final) this.update(final);
    this.bar.stop();
    process.removeListener('exit', this.showCursor);
    if (note) this.stream.write(`${note}\n`);
  }
}

class LineReporter implements Reporter {
  private last = 0;
  constructor(private readonly stream: ProgressStream, private readonly total: number, private readonly every: number) {}
  update(u: ProgressUpdate): void {
    if (u.step - this.last >= this.every) {
      this.last = u.step;
      this.stream.write(`${line(u, this.total)}\n`);
    }
  }
  stop(final: ProgressUpdate | null, note?: string): void {
    if (final && final.step !== this.last) this.stream.write(`${line(final, this.total)}\n`);
    if (note) this.stream.write(`${note}\n`);
  }
}

const silent: Reporter = { update() {}, stop() {} };

/**
 * Where the Trainer writes progress: `process.stderr` by default, or any object with `write`. A bar
 * needs a terminal stream (`isTTY`, cursor movement); other streams get lines. Typed structurally so
 * the public types do not need `@types/node`.
 */
export interface ProgressStream {
  /**
   * Writes one piece of output (a line with its newline, or a bar redraw).
   * @param chunk the text to write.
   * @returns ignored (a Node stream returns whether it buffered).
   */
  write(chunk: string): unknown;
  /** True for a terminal: `progress: 'auto'` then draws a bar instead of lines. */
  isTTY?: boolean;
}

/** The reporter for a mode: 'auto' is a bar on a TTY, else lines every `every` steps. */
export function makeReporter(mode: ProgressMode, stream: ProgressStream, total: number, every: number): Reporter {
  if (mode === 'none') return silent;
  const bar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  return bar ? new BarReporter(stream as NodeJS.WriteStream, total) : new LineReporter(stream, total, every);
}
