import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Emulators listen on loopback ports; every test file starts its own on port 0, so files can run in parallel.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/support/quiet-function-logs.ts'],
  },
});
