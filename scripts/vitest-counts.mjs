// The counts of a vitest run from its JSON report, as npm test's stages add them up: a skipped or
// todo test counts as failed (nothing may pass by not running), and so does a run that exited
// non-zero with no failed test (a suite that failed to load) or left no report.
import { existsSync, readFileSync } from 'node:fs';

/** `{ passed, failed }` of the vitest run that wrote `report` and exited with `status`. */
export function vitestCounts(report, status) {
  if (!existsSync(report)) return { passed: 0, failed: 1 };
  const r = JSON.parse(readFileSync(report, 'utf8'));
  let failed = r.numFailedTests + (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if (status !== 0 && r.numFailedTests === 0) failed++;
  return { passed: r.numPassedTests, failed };
}
