/**
 * Ctrl-C during fit: a SIGINT listener installed for the duration of the loop only. It just sets a
 * flag; the loop checks it between steps, so a step is never cut in half. A second Ctrl-C while
 * the first is pending exits at once (the usual escape hatch).
 */
export class InterruptGuard {
  requested = false;
  private readonly onSignal = (): void => {
    if (this.requested) process.exit(130);
    this.requested = true;
  };
  private installed = false;

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
