/**
 * Ctrl-C during fit: a SIGINT listener installed for the duration of the loop only. It just sets a
 * flag; the loop checks it between steps, so a step is never cut in half. Signals that arrive during
 * a long synchronous step are all handled when it ends, so a second Ctrl-C counts only when it comes
 * more than `graceMs` after the first: then it exits (code 130), the escape hatch for a loop stuck
 * waiting on its data source.
 */
export class InterruptGuard {
  requested = false;
  private firstAt = 0;
  private installed = false;

  constructor(private readonly graceMs = 2000) {}

  private readonly onSignal = (): void => {
    if (!this.requested) {
      this.requested = true;
      this.firstAt = Date.now();
    } else if (Date.now() - this.firstAt > this.graceMs) {
      process.exit(130);
    }
  };

  install(): void {
    if (this.installed) return;
    process.on('SIGINT', this.onSignal);
    this.installed = true;
  }

  remove(): void {
    if (!this.installed) return;
    process.off('SIGINT', this.onSignal);
    this.installed = false;
  }
}
