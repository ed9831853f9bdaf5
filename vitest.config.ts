import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when it is missing or stale, and removes the run's temp folders afterwards.
    globalSetup: ['test/global-setup.ts'],
    // Closes every fake Clerk after each test: one shared teardown instead of one per file.
    setupFiles: ['test/setup/per-test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
