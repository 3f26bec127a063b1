// Tiny assertion helpers for the scripts mpirun launches (vitest is not available inside them).
// A failed check throws; the uncaught error exits non-zero, and dist's exit hook aborts the job.
export function check(cond: unknown, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

export function close(a: number, b: number, rel: number, what: string): void {
  const ok = (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
  check(ok, `${what}: ${a} vs ${b} (rel ${rel})`);
}

export function arraysClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string): void {
  check(a.length === b.length, `${what}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    check(d <= rel * Math.max(1, Math.abs(a[i]), Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

export function arraysEqual(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  check(a.length === b.length, `${what}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) check(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}
