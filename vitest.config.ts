import { defineConfig } from 'vitest/config';

// Test files run one at a time: they share one PostgreSQL database (DATABASE_URL_TEST) and start Temporal
// servers, and CI machines have 2 cores. Tests inside a file still run in order.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    exclude: ['**/node_modules/**', '**/.git/**', '.tools/**', '.data/**', 'dist/**', 'generated/**'],
  },
});
