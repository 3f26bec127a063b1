// Progress of one run: a cli-progress bar on a TTY (loss, gradient norm, steps/s), plain lines at
// eighths of the run otherwise (CI logs, pipes).
import cliProgress from 'cli-progress';
import { monitor } from '../../lib/index.js';

const f = monitor.formatFigure;

export interface Progress {
  update(step: number, loss: number, norm: number): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  const t0 = performance.now();
  const rate = (step: number) => Math.round(step / Math.max(1e-9, (performance.now() - t0) / 1000));
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `  ${label} |{bar}| {value}/{total}  loss {loss}  ‖g‖ {norm}  {rate} steps/s`, hideCursor: true, barsize: 24, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { loss: '—', norm: '—', rate: 0 });
    return {
      update(step, loss, norm) {
        if (step % 25 === 0 || step === total || !Number.isFinite(loss) || !Number.isFinite(norm)) bar.update(step, { loss: f(loss), norm: f(norm), rate: rate(step) });
      },
      stop: () => bar.stop(),
    };
  }
  const every = Math.max(1, Math.ceil(total / 8));
  return {
    update(step, loss, norm) {
      if (step % every === 0) console.log(`  ${label} step ${step}/${total}  loss ${f(loss)}  ‖g‖ ${f(norm)}  ${rate(step)} steps/s`);
    },
    stop() {},
  };
}
