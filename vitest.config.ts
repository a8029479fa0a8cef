import { defineConfig } from 'vitest/config';

/**
 * Three tiers (`npm test` runs them all; `npm run test:unit` alone takes seconds):
 * - unit: pure code (rules, parsers, formatting), no socket, no child process;
 * - integration: the real function, CLI and SDK clients against the emulators on loopback;
 * - system: CDK synth, bundling, packing and child processes.
 * Each tier mirrors the source folders (core, lambda, lib, cli, emulators, bench, scripts, docs).
 */
const shared = {
  // Emulators listen on loopback ports; every test file starts its own on port 0, so files can run in parallel.
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
  setupFiles: ['test/support/quiet-function-logs.ts'],
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { test: { ...shared, name: 'system', include: ['test/system/**/*.test.ts'] } },
    ],
  },
});
