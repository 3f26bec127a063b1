import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The build output is dist/ at the root only: test/dist (gradguard.dist's tests) must run.
    exclude: [...configDefaults.exclude.filter((p) => p !== '**/dist/**'), 'dist/**'],
    // Native code and worker_threads: separate processes keep a crash in one file from hiding others.
    pool: 'forks',
    testTimeout: 60_000,
    env: { GRADGUARD_QUIET: '1' },
  },
});
