import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native code and worker_threads: separate processes keep a crash in one file from hiding others.
    pool: 'forks',
    testTimeout: 60_000,
    env: { GRADGUARD_QUIET: '1' },
  },
});
