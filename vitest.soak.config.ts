import { defineConfig } from 'vitest/config';

// `npm run test:soak` (scripts/test-soak.mjs): the soak, leak and crash-safety suites of test/soak/,
// kept out of `npm test`'s vitest run because they run for a time budget (GG_SOAK_SECONDS).
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    pool: 'forks',
    // One file at a time: they measure memory and kill processes; sharing 2 cores would skew both.
    fileParallelism: false,
    testTimeout: 600_000,
    env: { GRADGUARD_QUIET: '1' },
  },
});
