/**
 * "Did you mean": the closest known name to a misspelt one. No imports, so the lowest layer
 * (env.ts's GRADGUARD_ settings) uses it as well as the argument checks.
 */

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** The closest of `options` to `name` when it is plausibly a typo of it, else null. */
export function closest(name: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const o of options) {
    const d = distance(name.toLowerCase(), o.toLowerCase());
    if (d < bestDistance) {
      best = o;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= 2 ? best : null;
}
